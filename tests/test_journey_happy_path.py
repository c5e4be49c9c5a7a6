"""The whole journey, consent to the end of follow-up, with every side effect in order."""

from __future__ import annotations

import json
from datetime import timedelta

from journey_harness import (
    MockServices,
    advance_to,
    assert_consecutive_sequences,
    drive_to_infusion,
    follow_up_to_end,
    infuse_all,
    record_scan,
    start_journey,
    worker_for,
)
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest

from itc.models.enums import ResponseCategory, Stage


async def search_attributes(env, workflow_id: str) -> dict:
    """Raw indexed values: what `temporal workflow list --query` filters on."""
    raw = await env.client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=env.client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
        )
    )
    fields = raw.workflow_execution_info.search_attributes.indexed_fields
    return {name: json.loads(payload.data) for name, payload in fields.items()}


async def test_happy_path_runs_to_end_of_follow_up(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await drive_to_infusion(j)
        state = await j.state()
        assert state.dose_plan is not None
        assert round(state.dose_plan.bsa_m2, 4) == round((165 * 60 / 3600) ** 0.5, 4)
        indexed = await search_attributes(workflow_env, j.handle.id)
        assert indexed["JourneyStage"] == "infusion" and indexed["JourneySite"] == "TEH-01"
        assert indexed["DltFlag"] is False and "NextDueAt" in indexed
        await infuse_all(j)

        state = await j.wait_for_stage(Stage.RESPONSE_ASSESSMENT)
        assert state.infusions_given == 3 and not state.dlt
        response_due = state.next_due[0]
        assert response_due.action == "response_scan"
        await advance_to(j, response_due.due_at)
        await record_scan(j, "response", 12.0)  # -40% from 20 mm: PR
        await j.advance(timedelta(weeks=4))
        await record_scan(j, "confirmation", 11.0)
        state = await j.wait_for_stage(Stage.FOLLOW_UP)
        assert state.confirmed_response is ResponseCategory.PR

        cycles = await follow_up_to_end(j)
        result = await j.handle.result()

    assert result.stage is Stage.COMPLETED
    assert result.end_reason == "end of follow-up"
    assert result.pfs is not None and result.pfs.event is False
    assert result.run_count > 1 and cycles == result.run_count - 1
    assert result.deviations == []
    assert_consecutive_sequences(services)
    assert services.side_effects()[:7] == [
        ("order_labs", "screening"),
        ("reserve_manufacturing_slot", "reserved"),
        ("order_labs", "baseline"),
        ("book_appointment", "ct_scan"),
        ("book_appointment", "biopsy"),
        ("send_notification", "manufacturing_lab:sample_dispatched"),
        ("order_labs", "pre_infusion_1"),
    ]
    # The slot was used by the run that made her product: never released.
    assert ("release_manufacturing_slot", "completed") not in services.side_effects()
    assert "ManufacturingSlotReleased" not in services.event_types()
