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


async def wait_quiescent(client: Client, workflow_id: str, timeout: float = 60.0) -> None:
    await poll_until(lambda: is_idle(client, workflow_id), f"{workflow_id} going idle", timeout)


async def poll_for_stage(
    state: Callable[[], Awaitable[JourneyStatus]], stage: Stage, what: str, timeout: float, **delays: float
) -> JourneyStatus:
    """Poll a journey's status until it is in `stage`; returns that status."""
    seen: list[JourneyStatus] = []

    async def reached() -> bool:
        seen.append(await state())
        return seen[-1].stage is stage

    await poll_until(reached, f"{what} reaching {stage.value}", timeout, **delays)
    return seen[-1]
