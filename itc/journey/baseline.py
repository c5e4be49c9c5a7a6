"""Baseline: order the baseline assessments, book the baseline CT, chase once, then start the biopsy."""

from __future__ import annotations

from datetime import datetime, timedelta

from itc.journey import biopsy
from itc.journey.facts import stage_entered_at
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import Outcome
from itc.models.enums import AppointmentKind, EventType, Recipient
from itc.models.state import JourneyState
from itc.rules.lab_catalogue import BASELINE_ASSESSMENTS


def remind_at(state: JourneyState, now: datetime) -> datetime:
    return stage_entered_at(state, now) + timedelta(days=state.protocol.baseline.reminder_after_days)


def begin(state: JourneyState, at: Moment) -> Outcome:
    """Order the assessments and book the CT, both due by the reminder; wake then."""
    journal = Journal(state, at)
    entered, due = stage_entered_at(state, at.now), remind_at(state, at.now)
    journal.order_labs(BASELINE_ASSESSMENTS, "baseline", due)
    journal.book(AppointmentKind.CT_SCAN, entered.date(), due.date())
    return journal.outcome(wake_at=due)


def is_complete(state: JourneyState) -> bool:
    return state.baseline_scan is not None and all(c.value in state.labs for c in BASELINE_ASSESSMENTS)


def overdue(state: JourneyState, at: Moment) -> Outcome:
    journal = Journal(state, at)
    journal.escalate(Recipient.SITE_STAFF, "baseline_incomplete", "Baseline assessments are overdue")
    return journal.outcome()


def complete(state: JourneyState, at: Moment) -> Outcome:
    """Baseline done: the biopsy is due within the protocol's days of eligibility."""
    journal = Journal(state, at)
    scan = state.baseline_scan
    assert scan is not None and state.eligible_at is not None
    state.baseline_completed_at = at.now
    journal.emit(EventType.BASELINE_COMPLETED, {"sum_mm": scan.sum_mm}, summary="Baseline complete")
    biopsy.start_attempt(
        journal, collect_by=state.eligible_at + timedelta(days=state.protocol.biopsy.book_within_days_of_eligibility)
    )
    return journal.outcome()
