"""Update validators: named refusals from the state and the time passed in, nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.journey_builders import STAFF, T0, ae_input, at, in_stage, infused_state, new_state
from itc.journey import adverse_events, validators
from itc.journey.refusals import INVALID_VALUE, JOURNEY_ENDED, NOT_ALLOWED_NOW, OUT_OF_ORDER, UNKNOWN_REFERENCE, Refusal
from itc.models.enums import AeCategory, Stage
from itc.models.inputs import (
    RecordAdverseEventInput,
    RecordInfusionAdministeredInput,
    RecordSupervisorDecisionInput,
    RecordWithdrawalInput,
)
from itc.rules.config import DEFAULT_PROTOCOL

DAY = timedelta(days=1)


def refused(check, *args) -> Refusal:
    with pytest.raises(Refusal) as caught:
        check(*args)
    return caught.value


def infusion_input(number: int) -> RecordInfusionAdministeredInput:
    return RecordInfusionAdministeredInput(
        actor_id=STAFF, infusion_number=number, administered_at=T0, cells_administered=5e9, product_sample_id="SKN-0001"
    )


def test_an_infusion_out_of_stage_is_out_of_order():
    state = in_stage(new_state(), Stage.SCREENING)
    refusal = refused(validators.validate_infusion_administered, state, infusion_input(1), T0)
    assert refusal.error_type == OUT_OF_ORDER and "cannot be recorded in stage screening" in refusal.message


def test_the_infusion_number_is_checked_against_the_protocols_count():
    two = DEFAULT_PROTOCOL.model_copy(
        update={"dosing": DEFAULT_PROTOCOL.dosing.model_copy(update={"infusion_count": 2})}
    )
    state = infused_state(two, infusions_given=2)
    refusal = refused(validators.validate_infusion_administered, state, infusion_input(3), T0 + 30 * DAY)
    assert refusal.error_type == INVALID_VALUE
    assert refusal.message.startswith("infusion_number: Input should be less than or equal to 2")


def test_an_infusion_is_refused_while_held_or_after_a_dlt():
    state = infused_state(infusions_given=1)
    state.dlt = True
    refusal = refused(validators.validate_infusion_administered, state, infusion_input(2), T0 + 14 * DAY)
    assert refusal.error_type == NOT_ALLOWED_NOW


def test_nothing_is_recorded_after_the_end_but_sae_reports_still_are():
    state = in_stage(new_state(), Stage.COMPLETED)
    refusal = refused(validators.validate_withdrawal, state, RecordWithdrawalInput(actor_id=STAFF, withdrawn_at=T0), T0)
    assert refusal.error_type == JOURNEY_ENDED
    report = RecordSupervisorDecisionInput(
        actor_id=STAFF, decision="sae_reported_to_sponsor", ae_id="AE-1", reason="sent"
    )
    refusal = refused(validators.validate_supervisor_decision, state, report, T0)
    assert (
        refusal.error_type == UNKNOWN_REFERENCE and "No open sae reported to sponsor clock for AE-1" in refusal.message
    )
    live = infused_state()
    adverse_events.record(live, at(T0), ae_input(AeCategory.NON_HAEMATOLOGICAL, 2, T0, serious=True))
    live.stage = Stage.COMPLETED
    validators.validate_supervisor_decision(live, report, T0)
    susar = RecordSupervisorDecisionInput(actor_id=STAFF, decision="susar_reported", ae_id="AE-1", reason="sent")
    assert refused(validators.validate_supervisor_decision, live, susar, T0).error_type == UNKNOWN_REFERENCE


def test_findings_below_grade_1_are_refused():
    state = infused_state()
    crs = RecordAdverseEventInput(
        actor_id=STAFF,
        term="crs",
        category="crs",
        attribution="possible",
        onset_at=T0,
        crs={
            "temperature_c": 37.0,
            "hypotension": False,
            "vasopressors": 0,
            "oxygen_l_per_min": 0.0,
            "oxygen_by_facemask": False,
            "positive_pressure_ventilation": False,
        },
    )
    refusal = refused(validators.validate_adverse_event, state, crs, T0)
    assert refusal.error_type == INVALID_VALUE and "do not reach grade 1" in refusal.message


def test_a_future_time_is_refused_but_clock_skew_is_allowed():
    state = in_stage(new_state(), Stage.BASELINE)
    validators.validate_withdrawal(
        state, RecordWithdrawalInput(actor_id=STAFF, withdrawn_at=T0 + timedelta(minutes=4)), T0
    )
    refusal = refused(
        validators.validate_withdrawal, state, RecordWithdrawalInput(actor_id=STAFF, withdrawn_at=T0 + DAY), T0
    )
    assert refusal.error_type == INVALID_VALUE and "in the future" in refusal.message
