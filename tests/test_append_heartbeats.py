"""When the event append heartbeats: only once it has run for a while.

The SDK sends an attempt's first heartbeat to the server at once. An append that beat on
entry cost the server a heartbeat RPC and a write for every append, though almost every one
ends within milliseconds. The heartbeat timeout still covers an attempt that never beats:
Temporal counts it from the attempt's start.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, TimeoutError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.heartbeats import HEARTBEAT_EVERY_SECONDS, HEARTBEAT_TIMEOUT, heartbeating
from workflows.journey import ACTIVITY_TIMEOUT


async def _beats_while_running(seconds: float) -> int:
    beats: list[tuple[object, ...]] = []
    env = ActivityEnvironment()
    env.on_heartbeat = lambda *details: beats.append(details)

    async def append() -> None:
        async with heartbeating():
            await asyncio.sleep(seconds)

    await env.run(append)
    return len(beats)


async def test_an_append_that_ends_quickly_sends_no_heartbeat() -> None:
    assert await _beats_while_running(0.05) == 0


async def test_a_long_append_beats_well_within_its_timeout() -> None:
    # A slow machine only delays the beats; the first is due after HEARTBEAT_EVERY_SECONDS.
    assert HEARTBEAT_TIMEOUT.total_seconds() >= HEARTBEAT_EVERY_SECONDS * 4
    assert await _beats_while_running(HEARTBEAT_EVERY_SECONDS * 3) >= 1


@activity.defn(name="test_append_that_never_beats")
async def append_that_never_beats() -> None:
    # Lost with its worker before its first beat: it neither beats nor finishes.
    await asyncio.Event().wait()


@workflow.defn(name="TestAppendLostBeforeItsFirstBeat")
class AppendLostBeforeItsFirstBeat:
    @workflow.run
    async def run(self) -> str:
        started = workflow.now()
        try:
            await workflow.execute_activity(
                append_that_never_beats,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                heartbeat_timeout=HEARTBEAT_TIMEOUT,
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
        except ActivityError as error:
            cause = error.cause
            kind = cause.type.name if isinstance(cause, TimeoutError) and cause.type else type(cause).__name__
            return f"{kind} after {(workflow.now() - started).total_seconds():.1f} s"
        return "finished"


async def test_an_attempt_that_never_beat_is_given_up_after_the_heartbeat_timeout(
    workflow_env: WorkflowEnvironment, task_queue: str
) -> None:
    """The heartbeat timeout counts from the attempt's start, not from a first beat: an append
    lost before it beat is retried after 3 s, not after the 30 s start-to-close timeout."""
    async with Worker(
        workflow_env.client,
        task_queue=task_queue,
        workflows=[AppendLostBeforeItsFirstBeat],
        activities=[append_that_never_beats],
        # What is under test is the server's timeout, not this module's determinism.
        workflow_runner=UnsandboxedWorkflowRunner(),
        graceful_shutdown_timeout=timedelta(seconds=1),
    ):
        outcome = await workflow_env.client.execute_workflow(
            AppendLostBeforeItsFirstBeat.run, id=f"lost-append-{task_queue}", task_queue=task_queue
        )
    kind, _, seconds = outcome.partition(" after ")
    assert kind == "HEARTBEAT"
    assert HEARTBEAT_TIMEOUT.total_seconds() <= float(seconds.removesuffix(" s")) < ACTIVITY_TIMEOUT.total_seconds()
