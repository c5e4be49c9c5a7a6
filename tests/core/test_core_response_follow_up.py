"""Response assessment and follow-up: scans assessed by RECIST, confirmations, missed windows, cycles."""

from __future__ import annotations

from datetime import timedelta

from core.journey_builders import STAFF, T0, at, event_types, in_stage, infused_state
from itc.journey import follow_up, response, scans
from itc.journey.commands import BookAppointment, OrderLabs
from itc.models.enums import AppointmentKind, ResponseCategory, ScanKind, Stage
from itc.models.inputs import RecordScanResultInput, TargetLesion
from itc.models.state import ScanRecord

DAY = timedelta(days=1)
LAST_INFUSION = T0 + 28 * DAY


def responding_state():
    state = infused_state(infusions_given=3)
    in_stage(state, Stage.RESPONSE_ASSESSMENT, entered_at=LAST_INFUSION, sequence=10)
    state.response_due_at = LAST_INFUSION + timedelta(weeks=8)
    lesion = TargetLesion(lesion_id="L1", organ="lung", diameter_mm=20.0)
    state.scans.append(
        ScanRecord(sequence=3, kind=ScanKind.BASELINE, scanned_at=T0 - 30 * DAY, target_lesions=[lesion], sum_mm=20.0)
    )
    return state


def scan(kind, when, mm):
    return RecordScanResultInput(
        actor_id=STAFF,
        kind=kind,
        scanned_at=when,
        target_lesions=[{"lesion_id": "L1", "organ": "lung", "diameter_mm": mm}],
    )


def test_the_response_scan_is_prepared_once():
    state = responding_state()
    order, booking = response.prepare(state, at(LAST_INFUSION)).commands
    assert isinstance(order, OrderLabs) and order.request.purpose == "response_assessment"
    assert isinstance(booking, BookAppointment) and booking.request.kind is AppointmentKind.CT_SCAN
    assert booking.request.earliest == (state.response_due_at - 7 * DAY).date()
    assert response.prepare(state, at(LAST_INFUSION)).commands == []
    assert response.scan_deadline(state) == state.response_due_at + 7 * DAY


def test_a_partial_response_needs_confirmation_and_a_missed_one_is_a_deviation():
    state = responding_state()
    when = state.response_due_at
    outcome = scans.record(state, at(when), scan(ScanKind.RESPONSE, when, 12.0))
    assert event_types(outcome) == ["ScanRecorded", "ResponseAssessed"]
    assert state.response is ResponseCategory.PR and state.confirmation_due_at == when + timedelta(weeks=4)
    assert response.confirmation_deadline(state) == when + timedelta(weeks=4) + 14 * DAY
    missed = response.confirmation_missed(state, at(response.confirmation_deadline(state)))
    assert event_types(missed) == ["ResponseNotConfirmed", "ProtocolDeviationRecorded"]
    assert response.is_confirmed(state)


def test_progression_at_the_response_scan_is_documented():
    state = responding_state()
    when = state.response_due_at
    outcome = scans.record(state, at(when), scan(ScanKind.RESPONSE, when, 30.0))
    assert event_types(outcome) == ["ScanRecorded", "ResponseAssessed", "ProgressionDocumented"]
    assert state.progression_at == when and state.confirmed_response is ResponseCategory.PD


def test_a_missed_response_scan_is_not_evaluable():
    state = responding_state()
    outcome = response.scan_missed(state, at(response.scan_deadline(state)))
    assert event_types(outcome) == ["ResponseAssessed", "ProtocolDeviationRecorded"]
    assert state.response is ResponseCategory.NE and response.confirmation_deadline(state) is None
    finished = response.finish(state, at(response.scan_deadline(state)))
    assert event_types(finished) == ["StageChanged"] and state.stage is Stage.FOLLOW_UP
    assert state.follow_up_ends_at == T0.replace(year=T0.year + 2)


def test_follow_up_cycles_every_interval_until_the_end():
    state = responding_state()
    response.scan_missed(state, at(response.scan_deadline(state)))
    response.finish(state, at(response.scan_deadline(state)))
    cycle = follow_up.next_cycle(state)
    assert cycle is not None and cycle.cycle == 1 and cycle.due_at == state.response_due_at + timedelta(weeks=12)
    assert follow_up.next_cycle(state) is cycle
    opened = follow_up.open_cycle(state, at(cycle.window_start), cycle)
    assert event_types(opened) == ["FollowUpAssessmentDue"]
    assert [c.request.kind for c in opened.commands] == [AppointmentKind.CT_SCAN, AppointmentKind.FOLLOW_UP_VISIT]
    missed = follow_up.cycle_missed(state, at(cycle.window_end), cycle)
    assert event_types(missed) == ["FollowUpAssessmentMissed", "ProtocolDeviationRecorded", "EscalationRaised"]
    while (cycle := follow_up.next_cycle(state)) is not None:
        cycle.missed = True
    assert state.follow_up[-1].due_at + timedelta(weeks=12) > follow_up.ends_at(state)
    done = follow_up.complete(state, at(follow_up.ends_at(state)))
    assert event_types(done) == ["PfsDetermined", "StageChanged", "JourneyEnded"]
    assert state.stage is Stage.COMPLETED


def test_a_follow_up_scan_outside_its_window_is_a_deviation():
    state = responding_state()
    response.scan_missed(state, at(response.scan_deadline(state)))
    response.finish(state, at(response.scan_deadline(state)))
    cycle = follow_up.next_cycle(state)
    late = cycle.window_end + DAY
    outcome = scans.record(state, at(late), scan(ScanKind.FOLLOW_UP, late, 20.0))
    assert event_types(outcome) == ["ScanRecorded", "FollowUpAssessmentRecorded", "ProtocolDeviationRecorded"]
