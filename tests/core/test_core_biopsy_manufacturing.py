"""Biopsy and manufacturing: milestones scheduled, overdue steps escalated, release or failure."""

from __future__ import annotations

from datetime import timedelta

from core.journey_builders import STAFF, T0, at, event_types, in_stage, new_state
from itc.journey import biopsy, decisions
from itc.journey.commands import BookAppointment, SendNotification
from itc.models.enums import AppointmentKind, Milestone, Recipient, Stage
from itc.models.inputs import (
    RecordBiopsyCollectedInput,
    RecordManufacturingMilestoneInput,
    RecordSupervisorDecisionInput,
)
from itc.models.state import BiopsyAttempt

GOOD_QC = dict(
    sterility_negative=True,
    mycoplasma_negative=True,
    endotoxin_eu_per_ml=1.0,
    viability_percent=92.0,
    cd56_cd3neg_purity_percent=95.0,
    viable_cells_total=2.0e10,
)


def collected_state():
    state = in_stage(new_state(), Stage.BIOPSY)
    state.eligible_at = T0
    state.biopsies.append(BiopsyAttempt(attempt=1, started_at=T0, collect_by=T0 + timedelta(days=14)))
    outcome = biopsy.record_collected(
        state,
        at(T0 + timedelta(days=2)),
        RecordBiopsyCollectedInput(actor_id=STAFF, sample_id="SKN-0001", collected_at=T0 + timedelta(days=2)),
    )
    return state, outcome


def test_the_biopsy_is_booked_until_collect_by_and_escalated_once_overdue():
    state = in_stage(new_state(), Stage.BIOPSY)
    state.biopsies.append(BiopsyAttempt(attempt=1, started_at=T0, collect_by=T0 + timedelta(days=14)))
    [booking] = biopsy.begin_collection(state, at(T0)).commands
    assert isinstance(booking, BookAppointment) and booking.request.kind is AppointmentKind.BIOPSY
    assert booking.request.latest == (T0 + timedelta(days=14)).date()
    assert biopsy.collection_deadline(state) == T0 + timedelta(days=14)
    overdue = biopsy.collection_overdue(state, at(T0 + timedelta(days=14)))
    assert event_types(overdue) == ["ProtocolDeviationRecorded", "EscalationRaised"]
    assert biopsy.collection_deadline(state) is None


def test_collection_schedules_every_milestone_and_the_overall_deadline():
    state, outcome = collected_state()
    assert event_types(outcome) == ["BiopsyCollected"]
    assert outcome.accepted.sequence == state.last_sequence
    attempt = state.biopsies[0]
    collected = T0 + timedelta(days=2)
    assert attempt.manufacturing_deadline == collected + timedelta(days=120)
    assert attempt.milestones[0].expected_by == collected + timedelta(days=3)
    assert attempt.milestones[-1].expected_by == collected + timedelta(days=3 + 21 + 35 + 14 + 35 + 7)
    dispatched = biopsy.dispatch_sample(state, at(collected))
    assert event_types(dispatched) == ["StageChanged"]
    [notice] = dispatched.commands
    assert isinstance(notice, SendNotification) and notice.request.recipient is Recipient.MANUFACTURING_LAB


def test_an_overdue_milestone_and_the_passed_deadline_are_escalated_once():
    state, _ = collected_state()
    in_stage(state, Stage.MANUFACTURING, sequence=state.last_sequence)
    first = state.biopsies[0].milestones[0]
    assert biopsy.next_deadline(state) == first.expected_by
    outcome = biopsy.check_deadlines(state, at(first.expected_by))
    assert event_types(outcome) == ["ManufacturingMilestoneOverdue", "EscalationRaised"]
    assert biopsy.next_deadline(state) == state.biopsies[0].manufacturing_deadline
    late = biopsy.check_deadlines(state, at(state.biopsies[0].manufacturing_deadline))
    assert event_types(late) == ["ManufacturingDeadlinePassed", "EscalationRaised"]
    assert state.awaiting_decision and biopsy.next_deadline(state) is None


def record(state, milestone, when, **extra):
    return biopsy.record_milestone(
        state,
        at(when),
        RecordManufacturingMilestoneInput(
            actor_id=STAFF, milestone=milestone, sample_id="SKN-0001", occurred_at=when, **extra
        ),
    )


def test_a_failed_step_waits_for_a_supervisor_who_may_order_a_rebiopsy():
    state, _ = collected_state()
    in_stage(state, Stage.MANUFACTURING, sequence=state.last_sequence)
    outcome = record(
        state, Milestone.BIOPSY_RECEIVED, T0 + timedelta(days=4), succeeded=False, failure_code="contaminated"
    )
    assert event_types(outcome) == ["ManufacturingMilestoneRecorded", "ManufacturingFailed", "EscalationRaised"]
    assert state.awaiting_decision and state.biopsies[0].failed
    before = biopsy.progress(state)
    decided = decisions.record(
        state,
        at(T0 + timedelta(days=5)),
        RecordSupervisorDecisionInput(actor_id=STAFF, decision="re_biopsy", reason="contaminated"),
    )
    assert event_types(decided) == ["SupervisorDecisionRecorded", "StageChanged"]
    assert state.stage is Stage.BIOPSY and len(state.biopsies) == 2 and not state.awaiting_decision
    assert state.biopsies[1].collect_by == T0 + timedelta(days=5 + 14)
    assert biopsy.progress(state) != before


def test_release_plans_the_dose_and_the_first_infusion():
    state, _ = collected_state()
    in_stage(state, Stage.MANUFACTURING, sequence=state.last_sequence)
    when = T0 + timedelta(days=3)
    for milestone in list(Milestone)[:-1]:
        when += timedelta(days=1)
        record(state, milestone, when, succeeded=True)
    when += timedelta(days=1)
    outcome = record(state, Milestone.PRODUCT_RELEASE_QC, when, succeeded=True, release_qc=GOOD_QC)
    assert event_types(outcome) == ["ManufacturingMilestoneRecorded", "DosePlanned", "ProductReleased", "StageChanged"]
    assert state.stage is Stage.INFUSION and state.dose_plan is not None
    [first] = state.infusions
    assert first.target_at == when + timedelta(days=7)


def test_release_qc_below_the_criteria_is_a_manufacturing_failure():
    state, _ = collected_state()
    in_stage(state, Stage.MANUFACTURING, sequence=state.last_sequence)
    when = T0 + timedelta(days=3)
    for milestone in list(Milestone)[:-1]:
        when += timedelta(days=1)
        record(state, milestone, when, succeeded=True)
    outcome = record(
        state, Milestone.PRODUCT_RELEASE_QC, when, succeeded=True, release_qc={**GOOD_QC, "viability_percent": 50.0}
    )
    assert "ManufacturingFailed" in event_types(outcome)
    assert state.stage is Stage.MANUFACTURING and state.dose_plan is None
