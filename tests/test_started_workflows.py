"""The teardown behind `workflow_env`: what a test started is terminated when it ends.

Journeys started by a trial never pass through the test's client; they are found as
workflows that opened while the test ran.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fixtures_temporal import SharedServer
from journey_harness import MockServices, consent_record, worker_for
from started_workflows import TEARDOWN_REASON, terminated_on_exit
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowExecutionStatus
from temporalio.common import WorkflowIDConflictPolicy

from itc.drivers.quiescence import wait_quiescent
from itc.drivers.skip_time import skip_time
from itc.models.trial import EnrolParticipantInput, StartTrialInput, trial_workflow_id
from itc.rules.config import ProtocolConfig
from itc.runtime.journeys import journey_id, start_journey
from workflows.trial import TrialWorkflow


def fresh_protocol() -> ProtocolConfig:
    return ProtocolConfig(trial_id=f"TEARDOWN-{uuid.uuid4().hex[:10]}")


async def status(client: Client, workflow_id: str) -> WorkflowExecutionStatus | None:
    return (await client.get_workflow_handle(workflow_id).describe()).status


async def test_what_was_started_inside_is_terminated_and_nothing_else(shared_server: SharedServer, task_queue: str):
    client = shared_server.env.client
    today = (await shared_server.env.get_current_time()).date()
    outside, started, with_update = fresh_protocol(), fresh_protocol(), fresh_protocol()
    await client.start_workflow(
        TrialWorkflow.run,
        StartTrialInput(protocol=outside),
        id=trial_workflow_id(outside.trial_id),
        task_queue=task_queue,
    )
    async with terminated_on_exit(client, shared_server.started):
        # The test's worker stops before the teardown, as when a test body ends.
        async with worker_for(client, task_queue, MockServices()):
            # The trial is started through the client; its journey is started by the trial.
            await start_journey(client, consent_record("TD-001", today), started, task_queue)
            start = WithStartWorkflowOperation(
                TrialWorkflow.run,
                StartTrialInput(protocol=with_update),
                id=trial_workflow_id(with_update.trial_id),
                task_queue=task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
            await client.execute_update_with_start_workflow(
                TrialWorkflow.enrol_participant,
                EnrolParticipantInput(consent=consent_record("TD-002", today), protocol=with_update),
                start_workflow_operation=start,
            )
            for journey in (journey_id("TD-001"), journey_id("TD-002")):
                await wait_quiescent(client, journey)
        inside = [
            trial_workflow_id(started.trial_id),
            journey_id("TD-001"),
            trial_workflow_id(with_update.trial_id),
            journey_id("TD-002"),
        ]
        assert [await status(client, i) for i in inside] == [WorkflowExecutionStatus.RUNNING] * 4
        assert shared_server.started.ids == {
            trial_workflow_id(started.trial_id),
            trial_workflow_id(with_update.trial_id),
        }

    for workflow_id in inside:
        assert await status(client, workflow_id) == WorkflowExecutionStatus.TERMINATED, workflow_id
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        assert history.events[-1].workflow_execution_terminated_event_attributes.reason == TEARDOWN_REASON
    outside_handle = client.get_workflow_handle(trial_workflow_id(outside.trial_id))
    assert await status(client, outside_handle.id) == WorkflowExecutionStatus.RUNNING
    await outside_handle.terminate("test done")


async def test_a_workflow_that_already_ended_is_passed_over(shared_server: SharedServer, task_queue: str):
    client = shared_server.env.client
    protocol = fresh_protocol()
    async with terminated_on_exit(client, shared_server.started), worker_for(client, task_queue, MockServices()):
        trial = await client.start_workflow(
            TrialWorkflow.run,
            StartTrialInput(protocol=protocol),
            id=trial_workflow_id(protocol.trial_id),
            task_queue=task_queue,
        )
        # Idle first: the test server never frees its clock from a task in flight at termination.
        await wait_quiescent(client, trial.id)
        await trial.terminate(reason="ended by the test itself")
    history = await trial.fetch_history()
    assert history.events[-1].workflow_execution_terminated_event_attributes.reason == "ended by the test itself"


async def test_a_leftover_with_a_task_in_flight_is_run_to_idle_so_the_clock_moves_on(
    shared_server: SharedServer, task_queue: str
):
    env = shared_server.env
    if not env.supports_time_skipping:
        pytest.skip("the held clock is the time-skipping server's")
    protocol = fresh_protocol()
    async with terminated_on_exit(env.client, shared_server.started):
        # No worker: the first workflow task stays scheduled, which holds the clock.
        await env.client.start_workflow(
            TrialWorkflow.run,
            StartTrialInput(protocol=protocol),
            id=trial_workflow_id(protocol.trial_id),
            task_queue=task_queue,
        )
    assert await status(env.client, trial_workflow_id(protocol.trial_id)) == WorkflowExecutionStatus.TERMINATED
    before = await env.get_current_time()
    await skip_time(env, timedelta(days=30), deadline=timedelta(seconds=20))
    assert await env.get_current_time() - before >= timedelta(days=30)
