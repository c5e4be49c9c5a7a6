"""Response assessment: the week-8 CT, a confirmation CT for a CR or PR, then on to follow-up."""

from __future__ import annotations

from datetime import datetime, timedelta

from itc.journey.amendments import RECIST_OVERALL_RESPONSE
from itc.journey.endings import document_progression
from itc.journey.facts import add_months
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import Outcome
from itc.models.enums import AppointmentKind, EventType, ResponseCategory, ScanKind, Stage
from itc.models.state import JourneyState
from itc.rules import recist
from itc.rules.lab_catalogue import RESPONSE_LABS
from itc.rules.recist_best import BestOverallResponse, TimePoint, best_overall_response


def _response_due(state: JourneyState) -> datetime:
    assert state.response_due_at is not None
    return state.response_due_at


def prepare(state: JourneyState, at: Moment) -> Outcome:
    """Once per journey: order the response labs and book the CT in the window around the due day."""
    journal = Journal(state, at)
    if state.response_prepared:
        return journal.outcome()
    state.response_prepared = True
    due = _response_due(state)
    window = timedelta(days=state.protocol.response.window_days)
    journal.order_labs(RESPONSE_LABS, "response_assessment", due)
    journal.book(AppointmentKind.CT_SCAN, (due - window).date(), (due + window).date(), preferred=due.date())
    return journal.outcome()


def scan_deadline(state: JourneyState) -> datetime:
    return _response_due(state) + timedelta(days=state.protocol.response.window_days)


def has_response(state: JourneyState) -> bool:
    return state.response is not None


def scan_missed(state: JourneyState, at: Moment) -> Outcome:
    """No week-8 scan in its window: the response is not evaluable."""
    journal = Journal(state, at)
    state.response = state.confirmed_response = ResponseCategory.NE
    state.response_scan_missed = True
    journal.emit(
        EventType.RESPONSE_ASSESSED, {"response": "NE", "missed": True}, summary="Week-8 response scan missed: NE"
    )
    journal.deviation("Week-8 response assessment missed")
    return journal.outcome()


def confirmation_deadline(state: JourneyState) -> datetime | None:
    """The end of the confirmation window, while a confirmation is pending; None otherwise."""
    if state.confirmation_due_at is None or state.confirmed_response is not None:
        return None
    return state.confirmation_due_at + timedelta(days=state.protocol.response.confirmation_window_days)


def is_confirmed(state: JourneyState) -> bool:
    return state.confirmed_response is not None


def confirmation_missed(state: JourneyState, at: Moment) -> Outcome:
    journal = Journal(state, at)
    assert state.response is not None
    best = _best(journal)
    if best is None:
        state.confirmed_response = ResponseCategory(recist.confirmed_response(state.response.value, "NE", True))
    else:
        state.confirmed_response = ResponseCategory(best.response)
    journal.emit(
        EventType.RESPONSE_NOT_CONFIRMED,
        {
            "response": state.response.value,
            "confirmed_response": state.confirmed_response.value,
            "missed": True,
            **({"reason": best.reason} if best else {}),
        },
        summary="Confirmation scan missed",
    )
    journal.deviation("Confirmation scan missed")
    return journal.outcome()


def finish(state: JourneyState, at: Moment) -> Outcome:
    """Follow-up runs for the protocol's months from the first infusion."""
    journal = Journal(state, at)
    assert state.first_infusion_at is not None
    state.follow_up_ends_at = add_months(state.first_infusion_at, state.protocol.follow_up.duration_months)
    journal.enter(Stage.FOLLOW_UP)
    return journal.outcome()


def record_response(journal: Journal, response: ResponseCategory, scanned_at: datetime) -> None:
    state = journal.state
    state.response, state.response_scan_at = response, scanned_at
    journal.emit(EventType.RESPONSE_ASSESSED, {"response": response.value}, summary=f"Week-8 response {response.value}")
    if response in (ResponseCategory.CR, ResponseCategory.PR):
        state.confirmation_due_at = scanned_at + timedelta(weeks=state.protocol.response.confirmation_min_weeks)
    else:
        best = _best(journal)
        state.confirmed_response = response if best is None else ResponseCategory(best.response)
    if response is ResponseCategory.PD:
        document_progression(journal, scanned_at)


def record_confirmation(journal: Journal, second: ResponseCategory, scanned_at: datetime) -> None:
    state = journal.state
    first = state.response
    assert first is not None
    best = _best(journal)
    if best is None:
        confirmed = ResponseCategory(recist.confirmed_response(first.value, second.value, True))
    else:
        confirmed = ResponseCategory(best.response)
    state.confirmed_response = confirmed
    confirmed_type = EventType.RESPONSE_CONFIRMED if confirmed is first else EventType.RESPONSE_NOT_CONFIRMED
    journal.emit(
        confirmed_type,
        {
            "response": first.value,
            "confirmation": second.value,
            "confirmed_response": confirmed.value,
            **({"reason": best.reason} if best else {}),
        },
        summary=f"Confirmed response {confirmed.value}",
    )
    if second is ResponseCategory.PD:
        document_progression(journal, scanned_at)


def _best(journal: Journal) -> BestOverallResponse | None:
    """Best overall response so far, by RECIST 1.1 (section 4.4, Table 3); None before that amendment."""
    state = journal.state
    if RECIST_OVERALL_RESPONSE not in journal.at.amendments:
        return None
    assert state.first_infusion_at is not None
    points = [
        TimePoint(assessed_on=scan.scanned_at.date(), response=scan.response.value)
        for scan in state.scans
        if scan.kind is not ScanKind.BASELINE and scan.response is not None
    ]
    return best_overall_response(
        points,
        state.first_infusion_at.date(),
        confirmation_min_days=7 * state.protocol.response.confirmation_min_weeks,
        stable_disease_min_days=state.protocol.recist.stable_disease_min_days,
    )
