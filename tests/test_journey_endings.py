"""Endings at any stage: withdrawal, death, progression; SAE clocks; continue-as-new."""

from __future__ import annotations

from datetime import timedelta

import pytest
from journey_harness import (
    DAY,
    STAFF,
    SUPERVISOR,
    Journey,
    MockServices,
    advance_to,
    assert_consecutive_sequences,
    complete_baseline,
    drive_to_infusion,
    drive_to_manufacturing,
    give_first_infusion,
    infuse_all,
    pass_screening,
    record_scan,
    start_journey,
    worker_for,
)
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest

from itc.models.enums import ResponseCategory, Stage


async def current_run_id(env, workflow_id: str) -> str:
    raw = await env.client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=env.client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
        )
    )
    return raw.workflow_execution_info.execution.run_id


async def to_response_assessment(j: Journey) -> None:
    await drive_to_infusion(j)
    await infuse_all(j)
    await j.wait_for_stage(Stage.RESPONSE_ASSESSMENT)


async def to_follow_up(j: Journey) -> None:
    await to_response_assessment(j)
    state = await j.state()
    await advance_to(j, state.next_due[0].due_at)
    await record_scan(j, "response", 19.0)  # SD: no confirmation needed
    await j.wait_for_stage(Stage.FOLLOW_UP)


STAGE_DRIVERS = {
    Stage.SCREENING: None,
    Stage.BASELINE: pass_screening,
    Stage.BIOPSY: lambda j: _chain(j, pass_screening, complete_baseline),
    Stage.MANUFACTURING: drive_to_manufacturing,
    Stage.INFUSION: give_first_infusion,
    Stage.RESPONSE_ASSESSMENT: to_response_assessment,
    Stage.FOLLOW_UP: to_follow_up,
}


async def _chain(j: Journey, *steps) -> None:
    for step in steps:
        await step(j)


@pytest.mark.parametrize("stage", list(STAGE_DRIVERS), ids=lambda s: s.value)
async def test_withdrawal_in_each_stage(workflow_env, task_queue, stage):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        driver = STAGE_DRIVERS[stage]
        if driver is not None:
            await driver(j)
        assert (await j.state()).stage is stage
        notifications_before = len(services.notifications)
        await j.update("record_withdrawal", {"actor_id": STAFF, "withdrawn_at": (await j.now()).isoformat()})
        result = await j.handle.result()
        # Nothing more happens after withdrawal: no contact, no further orders.
        await j.advance(timedelta(days=30))

    assert result.stage is Stage.WITHDRAWN
    assert result.end_reason == "consent withdrawn"
    assert services.side_effects()[-1] == ("cancel_appointments", "withdrawn")
    assert len(services.notifications) == notifications_before
    # Eligible and no product made yet: the manufacturing slot she held is released first.
    holds_slot = stage in (Stage.BASELINE, Stage.BIOPSY, Stage.MANUFACTURING)
    if holds_slot:
        assert services.side_effects()[-2] == ("release_manufacturing_slot", "withdrawn")
    else:
        assert "release_manufacturing_slot" not in {name for name, _ in services.side_effects()}
    last = 5 if holds_slot else 4
    assert (
        services.event_types()[-last:]
        == [
            "WithdrawalRecorded",
            *(["ManufacturingSlotReleased"] if holds_slot else []),
            "AppointmentsCancelled",
            *(["PfsDetermined"] if result.pfs else []),
            "StageChanged",
            "JourneyEnded",
        ][-last:]
    )
    assert (result.pfs is not None) == (stage in (Stage.INFUSION, Stage.RESPONSE_ASSESSMENT, Stage.FOLLOW_UP))
    if result.pfs:
        assert result.pfs.event is False


async def test_progression_in_follow_up_ends_with_pfs_event(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await to_follow_up(j)
        state = await j.state()
        first_infusion = state.infusions[0].administered_at
        due = next(d for d in state.next_due if d.action == "follow_up_scan")
        await advance_to(j, due.due_at)
        # Nadir 19 mm; 23 mm is +21% and +4 mm: not yet PD (needs +5 mm).
        await record_scan(j, "follow_up", 23.0)
        assert (await j.state()).stage is Stage.FOLLOW_UP
        await j.advance(DAY)
        state = await j.state()
        due = next(d for d in state.next_due if d.action == "follow_up_scan")
        await advance_to(j, due.due_at)
        await record_scan(j, "follow_up", 24.0)  # +26% and +5 mm over the 19 mm nadir: PD
        progression_day = (await j.now()).date()
        result = await j.handle.result()

    assert result.stage is Stage.COMPLETED and result.end_reason == "progression"
    assert result.pfs.event is True and result.pfs.event_type == "progression"
    assert result.pfs.end_date == progression_day
    assert result.pfs.days == (progression_day - first_infusion.date()).days
    assert services.event_types()[-5:] == [
        "ProgressionDocumented",
        "AppointmentsCancelled",
        "PfsDetermined",
        "StageChanged",
        "JourneyEnded",
    ]


async def test_death_during_follow_up(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await to_follow_up(j)
        first_infusion = (await j.state()).infusions[0].administered_at
        await j.advance(timedelta(days=20))
        died = await j.now()
        await j.update("record_death", {"actor_id": STAFF, "died_at": died.isoformat(), "attribution": "unrelated"})
        result = await j.handle.result()

    assert result.stage is Stage.DECEASED and result.end_reason == "death"
    assert result.pfs.event is True and result.pfs.event_type == "death"
    assert result.pfs.days == (died.date() - first_infusion.date()).days
    effects = services.side_effects()
    assert effects[-2:] == [("send_notification", "safety_monitor:death"), ("cancel_appointments", "deceased")]


async def test_death_after_two_missed_assessments_is_censored(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await to_follow_up(j)
        response_scan_day = (await j.now()).date()
        await j.advance(timedelta(weeks=25))  # two follow-up windows pass with no scan
        state = await j.state()
        assert state.deviations[-2:] == ["Follow-up assessment 1 missed", "Follow-up assessment 2 missed"]
        await j.update(
            "record_death", {"actor_id": STAFF, "died_at": (await j.now()).isoformat(), "attribution": "unrelated"}
        )
        result = await j.handle.result()

    assert result.pfs.event is False and result.pfs.end_date == response_scan_day
    assert "missed" in result.pfs.censor_reason


async def test_unacknowledged_sae_clock_escalates(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await give_first_infusion(j)
        await j.advance(timedelta(hours=6))
        await j.update(
            "record_adverse_event",
            {
                "actor_id": STAFF,
                "term": "pneumonitis",
                "category": "non_haematological",
                "grade": 2,
                "attribution": "possible",
                "serious": True,
                "unexpected": True,
                "onset_at": (await j.now()).isoformat(),
            },
        )
        state = await j.state()
        assert sorted(c.clock for c in state.open_sae_clocks) == ["sponsor_24h", "susar_15d"]
        await j.advance(timedelta(hours=23))
        assert not any(c.escalated_at for c in (await j.state()).open_sae_clocks)
        await j.advance(timedelta(hours=2))
        state = await j.state()
        sponsor = next(c for c in state.open_sae_clocks if c.clock == "sponsor_24h")
        assert sponsor.escalated_at is not None
        effects = services.side_effects()
        assert effects[-3:] == [
            ("report_sae_clock", "sponsor_24h:escalated"),
            ("send_notification", "supervisor:sae_clock_overdue"),
            ("send_notification", "sponsor:sae_clock_overdue"),
        ]
        await j.update(
            "record_supervisor_decision",
            {
                "actor_id": SUPERVISOR,
                "decision": "sae_reported_to_sponsor",
                "ae_id": "AE-1",
                "reason": "Reported late by phone",
            },
        )
        await j.update(
            "record_supervisor_decision",
            {"actor_id": SUPERVISOR, "decision": "susar_reported", "ae_id": "AE-1", "reason": "CIOMS form sent"},
        )
        state = await j.state()
        assert state.open_sae_clocks == []
    events = services.event_types()
    assert (
        events.count("SaeClockStarted") == 2
        and events.count("SaeClockEscalated") == 1
        and events.count("SaeClockAcknowledged") == 2
    )


async def test_continue_as_new_preserves_state(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await to_follow_up(j)
        before = await j.state()
        first_run = j.handle.first_execution_run_id
        due = next(d for d in before.next_due if d.action == "follow_up_scan")
        await advance_to(j, due.due_at)
        await record_scan(j, "follow_up", 18.0)
        await j.advance(DAY)
        after = await j.state()
        latest_run_id = await current_run_id(workflow_env, j.handle.id)
        history = await workflow_env.client.get_workflow_handle(j.handle.id, run_id=first_run).fetch_history()

    assert latest_run_id != first_run
    assert after.run_count == before.run_count + 1
    assert after.infusions == before.infusions and after.dose_plan == before.dose_plan
    assert after.response is ResponseCategory.SD
    assert after.last_sequence > before.last_sequence
    assert len(history.events) < 2000
    assert_consecutive_sequences(services)
