"""What a test started on a shared Temporal server, and terminating what is still running.

A workflow left running on the session's time-skipping server outlives its test's worker.
The server holds its clock at real speed while a workflow task or an activity waits for a
worker; when a leftover's timer fires, no worker ever comes, and every later test that skips
weeks waits out its deadline. So whatever a test started is terminated when it ends, pass
or fail.

Terminating is not enough on its own: the test server's clock stays held by a workflow
terminated while a workflow task or an activity of its is in flight. So a leftover that is
not idle is first run to idle by a worker of its task queue with the mocked activities,
then terminated. (A task the stopped worker had taken comes back after its time-out.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from temporalio.api.workflowservice.v1 import ListOpenWorkflowExecutionsRequest
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    StartWorkflowInput,
    StartWorkflowUpdateWithStartInput,
    WorkflowHandle,
    WorkflowUpdateHandle,
)
from temporalio.service import RPCError, RPCStatusCode

from itc.drivers.env_journey import worker_for
from itc.drivers.mock_services import MockServices
from itc.drivers.quiescence import history_events, in_flight, poll_until

TEARDOWN_REASON = "test teardown"


class StartedWorkflows(Interceptor):
    """A client interceptor that notes the ID of every workflow started through the client.

    Signal-with-start and update-with-start go through the same two calls, so a trial
    started by a journey's report activity on the test's client is noted too.
    """

    def __init__(self) -> None:
        self.ids: set[str] = set()

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _NoteStarts(next, self.ids)

    def take(self) -> set[str]:
        # Emptied in place: the client's interceptor chain holds this very set.
        taken = set(self.ids)
        self.ids.clear()
        return taken


class _NoteStarts(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, ids: set[str]) -> None:
        super().__init__(next)
        self._ids = ids

    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any, Any]:
        handle = await self.next.start_workflow(input)
        self._ids.add(input.id)
        return handle

    async def start_update_with_start_workflow(
        self, input: StartWorkflowUpdateWithStartInput
    ) -> WorkflowUpdateHandle[Any]:
        handle = await self.next.start_update_with_start_workflow(input)
        self._ids.add(input.start_workflow_input.id)
        return handle


async def open_workflow_ids(client: Client) -> set[str]:
    """IDs of every open workflow on the server.

    The time-skipping test server implements only the older ListOpenWorkflowExecutions, not
    the query-based list, so that is what is used (the dev server answers it too).
    """
    ids: set[str] = set()
    page_token = b""
    while True:
        response = await client.workflow_service.list_open_workflow_executions(
            ListOpenWorkflowExecutionsRequest(
                namespace=client.namespace, maximum_page_size=1000, next_page_token=page_token
            )
        )
        ids.update(execution.execution.workflow_id for execution in response.executions)
        page_token = response.next_page_token
        if not page_token:
            return ids


IDLE_SECONDS = 60.0


async def is_idle(client: Client, workflow_id: str) -> bool:
    try:
        return in_flight(await history_events(client, workflow_id)).settled
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
        return True


async def terminate_running(client: Client, workflow_ids: set[str]) -> set[str]:
    """Terminate each workflow's latest run once nothing of it is in flight; returns the IDs
    that were still running."""
    busy = {i for i in workflow_ids if not await is_idle(client, i)}
    if not busy:
        return await _terminate(client, workflow_ids)
    queues: set[str] = set()
    for workflow_id in busy:
        own = (await client.get_workflow_handle(workflow_id).describe()).task_queue
        queues |= {own, await _queue_of_pending_task(client, workflow_id)}
    async with AsyncExitStack() as workers:
        for queue in sorted(queues - {""}):
            await workers.enter_async_context(worker_for(client, queue, MockServices()))

        async def all_idle() -> bool:
            # All at once: one leftover's last step may signal another (a trial its journeys).
            return all([await is_idle(client, i) for i in sorted(workflow_ids)])

        await poll_until(all_idle, f"{', '.join(sorted(busy))} going idle", IDLE_SECONDS, max_delay=0.5)
        return await _terminate(client, workflow_ids)


async def _queue_of_pending_task(client: Client, workflow_id: str) -> str:
    """The queue a workflow task waits on: the workflow's own, or the sticky queue of the
    worker that ran it last, which has stopped and will never take it."""
    scheduled = [
        e for e in await history_events(client, workflow_id) if e.HasField("workflow_task_scheduled_event_attributes")
    ]
    return scheduled[-1].workflow_task_scheduled_event_attributes.task_queue.name if scheduled else ""


async def _terminate(client: Client, workflow_ids: set[str]) -> set[str]:
    terminated: set[str] = set()
    for workflow_id in sorted(workflow_ids):
        try:
            await client.get_workflow_handle(workflow_id).terminate(reason=TEARDOWN_REASON)
        except RPCError as error:
            # Already completed, failed or terminated by the test itself.
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
        else:
            terminated.add(workflow_id)
    return terminated


@asynccontextmanager
async def terminated_on_exit(client: Client, started: StartedWorkflows) -> AsyncIterator[None]:
    """Terminate, on leaving, what was started inside: through the client (noted by `started`,
    which must be one of the client's interceptors) or by workflows (open now, not on entry)."""
    started.take()  # anything noted earlier was started outside
    open_before = await open_workflow_ids(client)
    try:
        yield
    finally:
        opened_since = await open_workflow_ids(client) - open_before
        await terminate_running(client, started.take() | opened_since)
