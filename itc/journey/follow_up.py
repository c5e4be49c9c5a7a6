"""Follow-up: one CT and visit every few weeks in a window, until the protocol's months have passed.

The workflow continues as new after each cycle, so a journey's history stays small.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itc.journey.endings import document_progression, end_with_pfs
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import Outcome
from itc.models.enums import AppointmentKind, EventType, Recipient, ResponseCategory, Stage
from itc.models.state import FollowUpCycle, JourneyState


def next_cycle(state: JourneyState) -> FollowUpCycle | None:
    """The cycle to follow, scheduled if the last one is over; None when no cycle fits before follow-up ends."""
    cfg = state.protocol.follow_up
    last = state.follow_up[-1] if state.follow_up else None
    if last is None or last.assessed_at is not None or last.missed:
        anchor = last.due_at if last else state.response_due_at
        assert anchor is not None and state.follow_up_ends_at is not None
        due = anchor + timedelta(weeks=cfg.interval_weeks)
        if due > state.follow_up_ends_at:
            return None
        window = timedelta(days=cfg.window_days)
        state.follow_up.append(
            FollowUpCycle(
                cycle=len(state.follow_up) + 1, due_at=due, window_start=due - window, window_end=due + window
            )
        )
    return state.follow_up[-1]


def ends_at(state: JourneyState) -> datetime:
    assert state.follow_up_ends_at is not None
    return state.follow_up_ends_at


def complete(state: JourneyState, at: Moment) -> Outcome:
    journal = Journal(state, at)
    end_with_pfs(journal, Stage.COMPLETED, "end of follow-up")
    return journal.outcome()


def open_cycle(state: JourneyState, at: Moment, cycle: FollowUpCycle) -> Outcome:
    """The cycle's window opens: book the CT and the visit for the due day."""
    journal = Journal(state, at)
    cycle.opened = True
    cause = journal.emit(
        EventType.FOLLOW_UP_ASSESSMENT_DUE,
        {"cycle": cycle.cycle, "due_at": cycle.due_at.isoformat(), "window_end": cycle.window_end.isoformat()},
        summary=f"Follow-up {cycle.cycle} due {cycle.due_at.date()}",
    )
    for kind in (AppointmentKind.CT_SCAN, AppointmentKind.FOLLOW_UP_VISIT):
        journal.book(
            kind, cycle.window_start.date(), cycle.window_end.date(), preferred=cycle.due_at.date(), cause=cause
        )
    return journal.outcome()


def cycle_missed(state: JourneyState, at: Moment, cycle: FollowUpCycle) -> Outcome:
    journal = Journal(state, at)
    cycle.missed = True
    journal.emit(
        EventType.FOLLOW_UP_ASSESSMENT_MISSED, {"cycle": cycle.cycle}, summary=f"Follow-up {cycle.cycle} missed"
    )
    journal.deviation(f"Follow-up assessment {cycle.cycle} missed")
    journal.escalate(Recipient.SUPERVISOR, "follow_up_missed", f"Follow-up assessment {cycle.cycle} was missed")
    return journal.outcome()


def record_scan(journal: Journal, response: ResponseCategory, scanned_at: datetime) -> None:
    cycle = journal.state.follow_up[-1]
    cycle.assessed_at, cycle.response = scanned_at, response
    journal.emit(
        EventType.FOLLOW_UP_ASSESSMENT_RECORDED,
        {"cycle": cycle.cycle, "response": response.value},
        summary=f"Follow-up {cycle.cycle}: {response.value}",
    )
    if not cycle.window_start <= scanned_at <= cycle.window_end:
        journal.deviation(
            f"Follow-up assessment {cycle.cycle} done outside its window ({cycle.window_start.date()} to {cycle.window_end.date()})"
        )
    if response is ResponseCategory.PD:
        document_progression(journal, scanned_at)
