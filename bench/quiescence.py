"""Waiting until a workflow has nothing in flight: no workflow task and no activity pending.

The server records an activity's completion and the workflow task it causes in one step,
so "neither pending" means the workflow is idle, waiting only on timers or staff.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client


async def poll_until(check: Callable[[], Awaitable[bool]], what: str, timeout: float, first_delay: float = 0.001) -> None:
    """Poll with a growing delay: quick when the answer is near, gentle on the server when not.

    The first delay is short because a time-skipped step takes about 10 ms: a longer one
    would be measured as the journey's time.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    delay = first_delay
    while not await check():
        if loop.time() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, 0.2)


async def wait_quiescent(client: Client, workflow_id: str, timeout: float = 60.0) -> None:
    request = DescribeWorkflowExecutionRequest(namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id))

    async def idle() -> bool:
        # Raw describe: decoding search attributes is not needed to see pending work.
        raw = await client.workflow_service.describe_workflow_execution(request)
        return not raw.HasField("pending_workflow_task") and not raw.pending_activities

    await poll_until(idle, f"{workflow_id} going idle", timeout)
