"""Reading a journey's status from the time-skipping server only when it is settled."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType, WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    GetWorkflowExecutionHistoryRequest,
)
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from itc.base.errors import UserFacingError
from itc.models.state import JourneyStatus
from itc.runtime.journeys import journey_id

# A journey that has not gone quiet by then is stuck on something (a failing task or activity).
SETTLE_TIMEOUT_SECONDS = 60.0
QUERY_TIMEOUT = timedelta(seconds=5)
TASK_IN_FLIGHT = (EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
_OPEN = (
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW,
)


class SimulationStuck(UserFacingError):
    pass


class JourneyReader:
    def __init__(self, client: Client) -> None:
        self.client = client

    def handle(self, participant_id: str) -> WorkflowHandle[Any, JourneyStatus]:
        from workflows.journey import ParticipantJourneyWorkflow

        return self.client.get_workflow_handle_for(ParticipantJourneyWorkflow.run, journey_id(participant_id))

    async def settled_status(self, participant_id: str) -> JourneyStatus:
        """The journey's status once it has nothing in flight.

        Its reaction to an Update (the next infusion planned, a stage entered) can come a
        workflow task or two after the Update returns, behind an activity, so the status is
        read only when no activity is pending and no workflow task is scheduled or running.
        The test server never reports a pending workflow task in `describe`, so the last
        history event tells. Querying during a task is worse than stale: if that task
        continues the run as new, the test server loses the query and never skips time again.
        """
        execution = WorkflowExecution(workflow_id=journey_id(participant_id))
        describe = DescribeWorkflowExecutionRequest(namespace=self.client.namespace, execution=execution)
        history = GetWorkflowExecutionHistoryRequest(namespace=self.client.namespace, execution=execution)
        deadline = asyncio.get_running_loop().time() + SETTLE_TIMEOUT_SECONDS
        while True:
            before = await self.client.workflow_service.describe_workflow_execution(describe)
            info = before.workflow_execution_info
            if info.status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED:
                return await self.handle(participant_id).result()
            if info.status not in _OPEN:
                raise SimulationStuck(
                    f"{participant_id}: the journey closed as {WorkflowExecutionStatus.Name(info.status)}; see its history"
                )
            if not before.pending_activities and await self._no_task_in_flight(history, info.history_length):
                status = await self._query(participant_id)
                after = (
                    await self.client.workflow_service.describe_workflow_execution(describe)
                ).workflow_execution_info
                if status is not None and (after.execution.run_id, after.history_length, after.status) == (
                    info.execution.run_id,
                    info.history_length,
                    info.status,
                ):
                    return status
            if asyncio.get_running_loop().time() > deadline:
                why = await self._last_failure(describe, history)
                raise SimulationStuck(
                    f"{participant_id}: the journey did not settle within {SETTLE_TIMEOUT_SECONDS:.0f} s"
                    + (f": {why}" if why else "")
                )
            await asyncio.sleep(0.002)

    async def final_status(self, participant_id: str) -> JourneyStatus:
        # Waiting for a result lets the server skip time: any SAE clock still open closes.
        return await asyncio.wait_for(self.handle(participant_id).result(), SETTLE_TIMEOUT_SECONDS)

    async def _no_task_in_flight(self, request: GetWorkflowExecutionHistoryRequest, expected_length: int) -> bool:
        events = (await self.client.workflow_service.get_workflow_execution_history(request)).history.events
        return len(events) == expected_length and events[-1].event_type not in TASK_IN_FLIGHT

    async def _query(self, participant_id: str) -> JourneyStatus | None:
        """get_state, or None when the server dropped the query (it can, as a run closes)."""
        from workflows.journey import ParticipantJourneyWorkflow

        try:
            return await self.handle(participant_id).query(
                ParticipantJourneyWorkflow.get_state, rpc_timeout=QUERY_TIMEOUT
            )
        except RPCError as error:
            if error.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.NOT_FOUND):
                return None
            raise

    async def _last_failure(
        self, describe: DescribeWorkflowExecutionRequest, history: GetWorkflowExecutionHistoryRequest
    ) -> str | None:
        """Why a journey is stuck: its last failed workflow task or activity attempt, if any."""
        events = (await self.client.workflow_service.get_workflow_execution_history(history)).history.events
        for event in reversed(events):
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                return f"workflow task failed: {event.workflow_task_failed_event_attributes.failure.message}"
        for pending in (await self.client.workflow_service.describe_workflow_execution(describe)).pending_activities:
            if pending.last_failure.message:
                return f"activity {pending.activity_type.name} failing: {pending.last_failure.message}"
        return None
