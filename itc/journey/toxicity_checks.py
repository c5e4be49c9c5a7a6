"""Toxicity checks after each infusion: due on the protocol's days, done by a lab result in the window, or missed."""

from __future__ import annotations

from datetime import datetime, timedelta

from itc.journey.journal import Journal
from itc.models.enums import EventType, Recipient
from itc.models.inputs import LabObservation
from itc.models.state import JourneyState
from itc.rules.lab_catalogue import TOXICITY_CHECK_LABS


def run_clocks(journal: Journal) -> None:
    """Ask for each check when it falls due; record a deviation when its window passes without one."""
    now = journal.now
    for check in journal.state.toxicity_checks:
        if check.completed_at is not None or check.missed:
            continue
        if not check.ordered and now >= check.due_at:
            check.ordered = True
            cause = journal.emit(
                EventType.TOXICITY_CHECK_DUE,
                {"infusion_number": check.infusion_number, "day": check.day, "due_at": check.due_at.isoformat()},
                summary=f"Toxicity check day +{check.day} after infusion {check.infusion_number} due",
            )
            journal.notify(
                Recipient.SITE_STAFF,
                "toxicity_check_due",
                f"Toxicity check day +{check.day}",
                f"Record toxicity labs ({', '.join(c.value for c in TOXICITY_CHECK_LABS)}) and any adverse events by {check.window_end.isoformat()}.",
                cause=cause,
            )
        if check.ordered and now >= check.window_end:
            check.missed = True
            journal.emit(
                EventType.TOXICITY_CHECK_MISSED,
                {"infusion_number": check.infusion_number, "day": check.day},
                summary=f"Toxicity check day +{check.day} missed",
            )
            journal.deviation(f"Toxicity check day +{check.day} after infusion {check.infusion_number} missed")


def complete(journal: Journal, results: list[LabObservation]) -> None:
    """Any result collected in a check's window (or up to a window's length early) completes it."""
    window = timedelta(days=journal.state.protocol.infusions.toxicity_check_window_days)
    for check in journal.state.toxicity_checks:
        if check.completed_at is not None or check.missed:
            continue
        if any(check.due_at - window <= r.collected_at <= check.window_end for r in results):
            check.completed_at = max(r.collected_at for r in results)
            journal.emit(
                EventType.TOXICITY_CHECK_COMPLETED,
                {"infusion_number": check.infusion_number, "day": check.day},
                summary=f"Toxicity check day +{check.day} done",
            )


def deadlines(state: JourneyState) -> list[datetime]:
    return [
        check.window_end if check.ordered else check.due_at
        for check in state.toxicity_checks
        if check.completed_at is None and not check.missed
    ]
