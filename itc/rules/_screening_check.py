"""Collects failures and missing facts while eligibility criteria are judged."""

from __future__ import annotations

from datetime import date
from typing import Protocol


class _Dated(Protocol):
    @property
    def collected_on(self) -> date: ...


class ScreeningCheck:
    def __init__(self, evaluated_on: date, max_age_days: int) -> None:
        self.evaluated_on = evaluated_on
        self.max_age_days = max_age_days
        self.failed: list[tuple[str, str]] = []
        self.missing: list[str] = []

    def fail(self, code: str, message: str) -> None:
        self.failed.append((code, message))

    def present(self, value: object, label: str) -> bool:
        if value is None:
            self.missing.append(f"{label}: not yet recorded")
            return False
        return True

    def usable_lab(self, lab: _Dated | None, label: str) -> bool:
        if lab is None:
            return self.present(lab, label)
        return self._in_window(lab.collected_on, label, "result")

    def usable_assessment(self, assessed_on: date | None) -> bool:
        # Without a date the clinical facts are taken as current: the screening
        # form may not carry one. With a date, the same window as labs applies.
        if assessed_on is None:
            return True
        return self._in_window(assessed_on, "clinical assessment", "assessment")

    def _in_window(self, when: date, label: str, what: str) -> bool:
        # Results older than the screening window do not count; a future date
        # is a keying error, and neither may decide eligibility.
        age = (self.evaluated_on - when).days
        if age > self.max_age_days:
            self.missing.append(
                f"{label}: {what} of {when.isoformat()} is older than {self.max_age_days} days; repeat it"
            )
            return False
        if age < 0:
            self.missing.append(
                f"{label}: {what} of {when.isoformat()} is dated after the evaluation date "
                f"{self.evaluated_on.isoformat()}; check the date"
            )
            return False
        return True
