"""The bare-Temporal ceilings: workflows that run K no-op activities one after another.

A journey also runs its activities one at a time, so `CeilingWorkflow` is the most the same
worker and server can do for the same number of activities, with none of the journey's work.

A journey also receives its staff actions as Updates, and each accepted Update is Temporal work
of its own (a workflow task, two history events, a round trip to the sender) that no-op
activities alone leave out. `CeilingWithUpdatesWorkflow` runs the same K activities and accepts
the same Updates, by name and payload, with a handler that does nothing: the most Temporal
allows for the journey's own traffic, still with none of the journey's work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RawValue, RetryPolicy

# The journey's activity options, so both sides ask the server for the same thing.
ACTIVITY_TIMEOUT = timedelta(seconds=30)
ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_interval=timedelta(minutes=5)
)


@activity.defn(name="bench_noop")
async def noop(step: int) -> int:
    return step


async def _run_noops(activities: int) -> None:
    for step in range(activities):
        await workflow.execute_activity(
            noop, step, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY
        )


@workflow.defn(name="BenchCeilingWorkflow")
class CeilingWorkflow:
    @workflow.run
    async def run(self, activities: int) -> int:
        await _run_noops(activities)
        return activities


@workflow.defn(name="BenchCeilingWithUpdatesWorkflow")
class CeilingWithUpdatesWorkflow:
    def __init__(self) -> None:
        self.updates_accepted = 0

    @workflow.run
    async def run(self, activities: int, updates: int) -> int:
        await _run_noops(activities)
        # Completing before the last Update arrived would refuse it: the sender awaits each one.
        await workflow.wait_condition(lambda: self.updates_accepted >= updates)
        return activities

    @workflow.update(dynamic=True)
    async def any_staff_action(self, name: str, args: Sequence[RawValue]) -> None:
        self.updates_accepted += 1
