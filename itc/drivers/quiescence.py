"""Waiting until a workflow has nothing in flight: no workflow task and no activity pending.

The server records an activity's completion and the workflow task it causes in one step,
so "neither pending" means the workflow is idle, waiting only on timers or staff.

The dev server's describe call reports pending tasks and activities (`is_idle`); the
time-skipping test server's leaves both empty, so `is_settled` reads the same facts from
the workflow's history, which both servers keep exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    GetWorkflowExecutionHistoryRequest,
)
from temporalio.client import Client

from itc.models.enums import Stage
from itc.models.state import JourneyStatus


async def poll_until(
    check: Callable[[], Awaitable[bool]], what: str, timeout: float, first_delay: float = 0.001, max_delay: float = 0.2
) -> float:
    """Poll with a growing delay: quick when the answer is near, gentle on the server when not.
    Returns the seconds it took.

    The default first delay is short because a time-skipped step takes about 10 ms: a longer
    one would be measured as the journey's time.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    delay = first_delay
    while not await check():
        if loop.time() - started > timeout:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, max_delay)
    return loop.time() - started


async def is_idle(client: Client, workflow_id: str) -> bool:
    request = DescribeWorkflowExecutionRequest(
        namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
    )
    # Raw describe: decoding search attributes is not needed to see pending work.
    raw = await client.workflow_service.describe_workflow_execution(request)
    return not raw.HasField("pending_workflow_task") and not raw.pending_activities


# Bound once at import: each `EventType.X` goes through the protobuf enum wrapper's
# __getattr__, and a settle check reads every event of a history that grows with the journey
# (in a profiled 2-year journey those lookups were 0.5 of its 8 s).
_TASK_SCHEDULED = EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED
_TASK_DONE = frozenset({EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED})
_WAITING_STARTS = frozenset(
    {EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED}
)
_ACTIVITY_CLOSED = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: "activity_task_completed_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: "activity_task_failed_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: "activity_task_timed_out_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: "activity_task_canceled_event_attributes",
}
_CHILD_RESOLVED = {
    EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED: "child_workflow_execution_started_event_attributes",
    EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED: "start_child_workflow_execution_failed_event_attributes",
}
_WORKFLOW_CLOSED = frozenset(
    {
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    }
)


@dataclass(frozen=True)
class InFlight:
    """What a workflow's history shows in flight."""

    closed: bool
    workflow_task: bool
    activities_or_children: int

    @property
    def settled(self) -> bool:
        return self.closed or (not self.workflow_task and not self.activities_or_children)


def in_flight(events: list[HistoryEvent]) -> InFlight:
    task_open = False
    waiting: set[int] = set()
    for event in events:
        kind = event.event_type
        if kind in _WORKFLOW_CLOSED:
            return InFlight(closed=True, workflow_task=False, activities_or_children=0)
        if kind == _TASK_SCHEDULED:
            task_open = True
        elif kind in _TASK_DONE:
            # A failed task is retried by the server until the code is fixed: waiting for it
            # would only stall, and what a test reads next will show the failure.
            task_open = False
        elif kind in _WAITING_STARTS:
            waiting.add(event.event_id)
        elif kind in _ACTIVITY_CLOSED:
            waiting.discard(getattr(event, _ACTIVITY_CLOSED[kind]).scheduled_event_id)
        elif kind in _CHILD_RESOLVED:
            waiting.discard(getattr(event, _CHILD_RESOLVED[kind]).initiated_event_id)
    return InFlight(closed=False, workflow_task=task_open, activities_or_children=len(waiting))


def settled(events: list[HistoryEvent]) -> bool:
    """Whether a history shows nothing in flight: closed, or its last workflow task done, no
    activity running and no child workflow waiting to start."""
    return in_flight(events).settled


async def history_events(client: Client, workflow_id: str) -> list[HistoryEvent]:
    """The latest run's history, raw: payloads stay encoded, nothing is decrypted."""
    events: list[HistoryEvent] = []
    page_token = b""
    while True:
        response = await client.workflow_service.get_workflow_execution_history(
            GetWorkflowExecutionHistoryRequest(
                namespace=client.namespace,
                execution=WorkflowExecution(workflow_id=workflow_id),
                next_page_token=page_token,
            )
        )
        events.extend(response.history.events)
        page_token = response.next_page_token
        if not page_token:
            return events


async def is_settled(client: Client, workflow_id: str) -> bool:
    return settled(await history_events(client, workflow_id))


async def wait_quiescent(client: Client, workflow_id: str, timeout: float = 60.0) -> None:
    """Wait until the workflow has nothing in flight, on the dev server or the test server."""
    await poll_until(lambda: is_settled(client, workflow_id), f"{workflow_id} going idle", timeout)


async def poll_for_stage(
    state: Callable[[], Awaitable[JourneyStatus]], stage: Stage, what: str, timeout: float, **delays: float
) -> JourneyStatus:
    """Poll a journey's status until it is in `stage`; returns that status."""
    seen: list[JourneyStatus] = []

    async def reached() -> bool:
        seen.append(await state())
        return seen[-1].stage is stage

    try:
        await poll_until(reached, f"{what} reaching {stage.value}", timeout, **delays)
    except TimeoutError as error:
        raise TimeoutError(f"{error}; it is in {seen[-1].stage.value}") from None
    return seen[-1]
