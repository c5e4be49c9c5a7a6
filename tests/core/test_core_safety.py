"""Safety: DLTs (with the protocol's haematological grade), SAE clocks by kind, toxicity checks, the DLT window."""

from __future__ import annotations

from datetime import timedelta

from core.journey_builders import STAFF, T0, adverse_event, ae_input, at, event_types, infused_state, lab
from itc.journey import adverse_events, background, decisions, labs
from itc.journey.commands import ReportDltOutcome, ReportSaeClock, SendNotification
from itc.models.enums import AeCategory, SaeClockFamily, SaeClockKind
from itc.models.inputs import RecordLabResultsInput, RecordSupervisorDecisionInput
from itc.models.state import SaeClock, ToxicityCheck
from itc.rules.config import DEFAULT_PROTOCOL
from itc.rules.lab_catalogue import LabCode

DAY = timedelta(days=1)


def with_dlt(**changes):
    return DEFAULT_PROTOCOL.model_copy(update={"dlt": DEFAULT_PROTOCOL.dlt.model_copy(update=changes)})


def with_sae(**changes):
    return DEFAULT_PROTOCOL.model_copy(update={"sae": DEFAULT_PROTOCOL.sae.model_copy(update=changes)})


def reports(outcome, kind):
    return [c.request for c in outcome.commands if isinstance(c, kind)]


def test_a_related_grade_3_toxicity_in_the_window_is_a_dlt_reported_to_the_trial():
    state = infused_state()
    outcome = adverse_events.record(state, at(T0 + 2 * DAY), ae_input(AeCategory.NON_HAEMATOLOGICAL, 3, T0 + DAY))
    assert event_types(outcome) == ["AdverseEventRecorded", "DltDetected"]
    assert state.dlt and state.adverse_events[0].is_dlt
    [report] = reports(outcome, ReportDltOutcome)
    assert report.outcome.dlt and report.outcome.participant_id == "ITC-001"
    assert len(reports(outcome, SendNotification)) == 2


def test_an_unrelated_or_pre_infusion_toxicity_is_no_dlt():
    state = infused_state()
    unrelated = ae_input(AeCategory.NON_HAEMATOLOGICAL, 3, T0 + DAY, attribution="unrelated")
    assert event_types(adverse_events.record(state, at(T0 + 2 * DAY), unrelated)) == ["AdverseEventRecorded"]
    before = ae_input(AeCategory.NON_HAEMATOLOGICAL, 4, T0 - DAY)
    assert event_types(adverse_events.record(state, at(T0 + 2 * DAY), before)) == ["AdverseEventRecorded"]
    assert not state.dlt


def test_a_haematological_event_at_the_dlt_grade_becomes_a_dlt_only_after_lasting_long_enough():
    state = infused_state()
    adverse_event(state, AeCategory.HAEMATOLOGICAL, 4, T0 + DAY)
    assert background.next_deadline(state) == T0 + DAY + timedelta(days=7, seconds=1)
    assert event_types(background.run_clocks(state, at(T0 + 7 * DAY))) == []
    outcome = background.run_clocks(state, at(T0 + DAY + timedelta(days=7, seconds=1)))
    assert event_types(outcome) == ["DltDetected"]
    assert state.dlt_description == "grade 4 neutropenia (AE-1) lasting more than 7 days"


def test_the_haematological_dlt_grade_comes_from_the_protocol():
    grade_3 = with_dlt(haematological_grade=3)
    for protocol, expect_dlt in ((DEFAULT_PROTOCOL, False), (grade_3, True)):
        state = infused_state(protocol)
        adverse_event(state, AeCategory.HAEMATOLOGICAL, 3, T0 + DAY)
        background.run_clocks(state, at(T0 + 9 * DAY))
        assert state.dlt is expect_dlt


def test_grade_4_neutropenia_in_labs_for_more_than_the_duration_is_a_dlt():
    state = infused_state()

    def neutrophils(day):
        when = T0 + day * DAY
        return labs.record(
            state, at(when), RecordLabResultsInput(actor_id=STAFF, results=[lab(LabCode.NEUTROPHILS, 300.0, when)])
        )

    assert "DltDetected" not in event_types(neutrophils(1))
    assert "DltDetected" not in event_types(neutrophils(8))
    assert "DltDetected" in event_types(neutrophils(9))
    assert state.dlt_description == f"grade 4 neutrophils from {(T0 + DAY).date()} to {(T0 + 9 * DAY).date()}"


def test_a_serious_unexpected_related_event_starts_a_sponsor_and_a_susar_clock_with_protocol_durations():
    state = infused_state(with_sae(sponsor_notification_hours=48, susar_other_days=10))
    ae = ae_input(AeCategory.NON_HAEMATOLOGICAL, 2, T0 + DAY, serious=True, unexpected=True)
    outcome = adverse_events.record(state, at(T0 + 2 * DAY), ae)
    assert event_types(outcome) == ["AdverseEventRecorded", "SaeClockStarted", "SaeClockStarted"]
    sponsor, susar = state.sae_clocks
    assert sponsor.clock is SaeClockKind.SPONSOR and sponsor.due_at == T0 + 2 * DAY + timedelta(hours=48)
    assert susar.clock is SaeClockKind.SUSAR_OTHER and susar.due_at == T0 + 12 * DAY
    assert [r.clock.status for r in reports(outcome, ReportSaeClock)] == ["open", "open"]
    assert [r.clock.clock for r in reports(outcome, ReportSaeClock)] == ["sponsor_24h", "susar_15d"]


def test_an_update_to_life_threatening_starts_no_second_susar_clock_of_the_same_family():
    state = infused_state()
    adverse_events.record(
        state, at(T0 + DAY), ae_input(AeCategory.NON_HAEMATOLOGICAL, 2, T0, serious=True, unexpected=True)
    )
    worse = ae_input(AeCategory.NON_HAEMATOLOGICAL, 4, T0, ae_id="AE-1", serious=True, unexpected=True)
    outcome = adverse_events.record(state, at(T0 + 2 * DAY), worse)
    assert "SaeClockStarted" not in event_types(outcome)
    assert [c.clock for c in state.sae_clocks] == [SaeClockKind.SPONSOR, SaeClockKind.SUSAR_OTHER]
    assert SaeClockKind.SUSAR_FATAL_OR_LIFE_THREATENING.family is SaeClockFamily.SUSAR


def test_a_report_acknowledges_the_clocks_of_its_family_and_an_overdue_one_escalates():
    state = infused_state()
    adverse_events.record(state, at(T0), ae_input(AeCategory.NON_HAEMATOLOGICAL, 4, T0, serious=True, unexpected=True))
    decided = decisions.record(
        state,
        at(T0 + DAY / 2),
        RecordSupervisorDecisionInput(actor_id=STAFF, decision="susar_reported", ae_id="AE-1", reason="sent"),
    )
    assert event_types(decided) == ["SupervisorDecisionRecorded", "SaeClockAcknowledged"]
    sponsor, susar = state.sae_clocks
    assert susar.clock is SaeClockKind.SUSAR_FATAL_OR_LIFE_THREATENING and not susar.open and sponsor.open
    escalated = background.run_clocks(state, at(sponsor.due_at))
    assert event_types(escalated) == ["SaeClockEscalated"]
    assert [r.clock.status for r in reports(escalated, ReportSaeClock)] == ["escalated"]
    assert len(reports(escalated, SendNotification)) == 2


def test_old_clock_names_still_read():
    clock = SaeClock.model_validate({"ae_id": "AE-1", "clock": "susar_7d", "started_at": T0, "due_at": T0 + 7 * DAY})
    assert clock.clock is SaeClockKind.SUSAR_FATAL_OR_LIFE_THREATENING


def test_toxicity_checks_fall_due_complete_or_are_missed():
    state = infused_state()
    for day in (1, 3, 7):
        due = T0 + day * DAY
        state.toxicity_checks.append(ToxicityCheck(infusion_number=1, day=day, due_at=due, window_end=due + DAY))
    assert background.next_deadline(state) == T0 + DAY
    due = background.run_clocks(state, at(T0 + DAY))
    assert event_types(due) == ["ToxicityCheckDue"]
    done = labs.record(
        state, at(T0 + DAY), RecordLabResultsInput(actor_id=STAFF, results=[lab(LabCode.CREATININE, 0.9, T0 + DAY)])
    )
    assert event_types(done) == ["LabResultsRecorded", "ToxicityCheckCompleted"]
    background.run_clocks(state, at(T0 + 3 * DAY))
    missed = background.run_clocks(state, at(T0 + 4 * DAY))
    assert event_types(missed) == ["ToxicityCheckMissed", "ProtocolDeviationRecorded"]


def test_the_dlt_window_closing_without_a_dlt_is_reported():
    state = infused_state()
    state.dlt_window_ends_at = T0 + 28 * DAY
    outcome = background.run_clocks(state, at(T0 + 28 * DAY))
    assert event_types(outcome) == ["DltWindowCompleted"]
    [report] = reports(outcome, ReportDltOutcome)
    assert report.outcome.dlt is False
    assert event_types(background.run_clocks(state, at(T0 + 29 * DAY))) == []
