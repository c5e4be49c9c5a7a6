"""Progress lines while a simulation runs: enrolments, stage changes with their simulated
dates, refusals, and how many participants have finished."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime


class Progress:
    """Prints through `write`; the default writes nothing (tests, library use)."""

    def __init__(self, write: Callable[[str], None] | None = None, total: int = 0) -> None:
        self._write = write
        self.total = total
        self.finished = 0

    def _line(self, at: datetime, participant_id: str, text: str) -> None:
        if self._write is not None:
            self._write(f"{at.date().isoformat()}  {participant_id:<8} {text}")

    def note(self, text: str) -> None:
        if self._write is not None:
            self._write(text)

    def enrolled(self, participant_id: str, at: datetime) -> None:
        self._line(at, participant_id, "consented, journey started")

    def stage_changed(self, participant_id: str, old: str | None, new: str, at: datetime) -> None:
        self._line(at, participant_id, f"{old or 'start'} -> {new}")

    def refused(self, participant_id: str, at: datetime, what: str, message: str) -> None:
        self._line(at, participant_id, f"{what} refused: {message}")

    def participant_finished(self, participant_id: str, at: datetime, outcome: str) -> None:
        self.finished += 1
        share = 100 * self.finished / self.total if self.total else 100
        self._line(
            at, participant_id, f"finished ({outcome})  [{self.finished}/{self.total} participants, {share:.0f}%]"
        )
