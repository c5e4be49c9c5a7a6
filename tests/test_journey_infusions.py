"""Infusions: pre-infusion holds, the hold limit, and a DLT stopping further infusions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from journey_harness import (
    HOUR,
    STAFF,
    MockServices,
    advance_to,
    give_first_infusion,
    give_infusion,
    start_journey,
    toxicity_checks,
    worker_for,
)
from temporalio.client import WorkflowUpdateFailedError

from itc.models.enums import Stage


async def record_ae(j, **fields):
    body = {
        "actor_id": STAFF,
        "term": "nausea",
        "category": "non_haematological",
        "attribution": "possible",
        "onset_at": (await j.now()).isoformat(),
    }
    body.update(fields)
    return await j.update("record_adverse_event", body)


async def infusion_two_window(j):
    state = await j.state()
    return next(i for i in state.infusions if i.number == 2)


async def test_hold_that_resolves_then_infusion_given(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await give_first_infusion(j)
        await toxicity_checks(j)
        onset = (await j.now()).isoformat()
        await record_ae(j, grade=2, onset_at=onset)
        infusion2 = await infusion_two_window(j)
        await advance_to(j, infusion2.window_start + HOUR)
        state = await j.state()
        held = next(i for i in state.infusions if i.number == 2)
        assert held.held_since is not None and "nausea" in held.hold_reason
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await give_infusion(j, 2)
        assert "on hold" in str(refused.value.cause)

        await j.advance(timedelta(days=5))
        await record_ae(j, ae_id="AE-1", grade=2, onset_at=onset, resolved_at=(await j.now()).isoformat())
        state = await j.state()
        released = next(i for i in state.infusions if i.number == 2)
        assert released.held_since is None
        await give_infusion(j, 2)
        state = await j.state()
        assert state.infusions_given == 2 and not state.infusions_discontinued

    events = services.event_types()
    assert (
        events.index("InfusionHeld")
        < events.index("InfusionHoldReleased")
        < len(events) - 1 - events[::-1].index("InfusionAdministered")
    )
    effects = services.side_effects()
    assert ("send_notification", "supervisor:infusion_held") in effects
    # The chair is booked again for the new window once the hold is released.
    assert effects.count(("book_appointment", "infusion")) == 3


async def test_hold_beyond_limit_discontinues_infusions(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await give_first_infusion(j)
        await toxicity_checks(j)
        await record_ae(j, grade=2, term="fatigue")
        infusion2 = await infusion_two_window(j)
        await advance_to(j, infusion2.window_start + HOUR)
        await j.advance(timedelta(days=14, hours=1))
        state = await j.wait_for_stage(Stage.RESPONSE_ASSESSMENT)
        assert state.infusions_discontinued and state.infusions_given == 1
    events = services.event_types()
    assert "InfusionsDiscontinued" in events
    assert ("send_notification", "supervisor:infusions_discontinued") in services.side_effects()


async def test_dlt_after_first_infusion_stops_further_infusions(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await give_first_infusion(j)
        await j.advance(timedelta(hours=20))
        await record_ae(
            j, term="cytokine_release_syndrome", category="crs", crs={"temperature_c": 39.2, "vasopressors": 1}
        )
        state = await j.wait_for_stage(Stage.RESPONSE_ASSESSMENT)
        assert state.dlt and state.infusions_given == 1
        assert "grade 3 cytokine_release_syndrome" in state.dlt_description
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await give_infusion(j, 2)
        assert "infusion cannot be recorded in stage response_assessment" in str(refused.value.cause).lower()

    assert services.side_effects() == [
        ("order_labs", "screening"),
        ("reserve_manufacturing_slot", "reserved"),
        ("order_labs", "baseline"),
        ("book_appointment", "ct_scan"),
        ("book_appointment", "biopsy"),
        ("send_notification", "manufacturing_lab:sample_dispatched"),
        ("order_labs", "pre_infusion_1"),
        ("book_appointment", "infusion"),
        ("send_notification", "safety_monitor:dlt"),
        ("send_notification", "supervisor:dlt"),
        ("report_dlt_outcome", "dlt"),
        ("send_notification", "supervisor:infusions_discontinued"),
        ("order_labs", "response_assessment"),
        ("book_appointment", "ct_scan"),
    ]
    assert services.event_types().count("InfusionAdministered") == 1
    assert "DltDetected" in services.event_types()


async def test_grade4_neutropenia_longer_than_7_days_is_a_dlt(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await give_first_infusion(j)
        await j.advance(timedelta(days=1))
        await record_ae(j, term="neutrophil_count_decreased", category="haematological", grade=4)
        await j.advance(timedelta(days=7))
        assert not (await j.state()).dlt  # exactly 7 days is not yet a DLT
        await j.advance(timedelta(hours=1))
        state = await j.state()
        assert state.dlt and "lasting more than 7 days" in state.dlt_description
