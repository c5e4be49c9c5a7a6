"""What each kind of workflow work costs the Temporal dev server, in CPU.

    python -m bench.server_costs                      # 20 workflows x 30 activities, 2 repeats
    python -m bench.server_costs --workflows 4 --activities 10 --repeats 1   # a quick look

The journey-vs-ceiling comparison shows that a journey costs the server more per activity
than no-op activities do. This says what its extra pieces cost. Each variant runs the same
no-op activities one after another; all but the first add one thing per activity: a
search-attribute upsert, a patch marker (`workflow.patched`), an activity heartbeat. Then,
against one idle workflow, the calls a polling driver sends: a describe and a query. The
figure is the dev server's CPU (from /proc) per activity, or per call, on a fresh stack.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity, workflow
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from bench.cpu import CpuMeter, pids_with_argument
from bench.stack import bench_stack
from itc.base.logging import configure_logging
from itc.drivers.quiescence import is_idle
from itc.runtime.temporal_client import connect
from workflows.search_attributes import JOURNEY_STAGE

ACTIVITY_VARIANTS = ("no-op activity", "+ search-attribute upsert", "+ patch marker", "+ heartbeat")
HEARTBEAT_TIMEOUT = timedelta(seconds=3)


@activity.defn(name="bench_cost_noop")
async def noop() -> None:
    return None


@activity.defn(name="bench_cost_beat")
async def beat() -> None:
    activity.heartbeat()


@workflow.defn(name="BenchServerCostWorkflow")
class ServerCostWorkflow:
    def __init__(self) -> None:
        self.done = 0

    @workflow.run
    async def run(self, variant: str, activities: int, linger: bool) -> None:
        for step in range(activities):
            if variant == "+ heartbeat":
                await workflow.execute_activity(
                    beat, start_to_close_timeout=timedelta(seconds=30), heartbeat_timeout=HEARTBEAT_TIMEOUT
                )
            else:
                await workflow.execute_activity(noop, start_to_close_timeout=timedelta(seconds=30))
            if variant == "+ search-attribute upsert":
                workflow.upsert_search_attributes([JOURNEY_STAGE.value_set(f"step-{step}")])
            elif variant == "+ patch marker":
                workflow.patched(f"bench-cost-{step}")
            self.done += 1
        # Kept open, idle, for the describes and queries.
        await workflow.wait_condition(lambda: not linger)

    @workflow.query
    def get_done(self) -> int:
        return self.done


async def _server_ms_per_unit(meter: CpuMeter, units: int, work: Awaitable[Any]) -> float:
    meter.start()
    await work
    return round(1000 * meter.stop()["temporal_server"] / units, 2)


async def _repeat(calls: int, call: Callable[[], Awaitable[Any]]) -> None:
    for _ in range(calls):
        await call()


async def measure(workflows: int, activities: int, repeats: int, calls: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="itc-bench-") as tmp:
        async with bench_stack(Path(tmp)) as stack:
            client = await connect(stack.settings)
            database = str(stack.data_dir / "temporal.db")
            server_meter = CpuMeter({"temporal_server": lambda: pids_with_argument(database)})

            queue = f"bench-costs-{uuid.uuid4().hex[:8]}"
            runner = UnsandboxedWorkflowRunner()  # the server's CPU is measured, not the worker's
            async with Worker(
                client,
                task_queue=queue,
                workflows=[ServerCostWorkflow],
                activities=[noop, beat],
                workflow_runner=runner,
            ):
                per_activity: dict[str, list[float]] = {variant: [] for variant in ACTIVITY_VARIANTS}
                for repeat in range(repeats):
                    for variant in ACTIVITY_VARIANTS:
                        runs = asyncio.gather(
                            *(
                                client.execute_workflow(
                                    ServerCostWorkflow.run,
                                    args=[variant, activities, False],
                                    id=f"cost-{repeat}-{ACTIVITY_VARIANTS.index(variant)}-{index}-{queue}",
                                    task_queue=queue,
                                )
                                for index in range(workflows)
                            )
                        )
                        per_activity[variant].append(
                            await _server_ms_per_unit(server_meter, workflows * activities, runs)
                        )
                idle = await client.start_workflow(
                    ServerCostWorkflow.run, args=["no-op activity", 1, True], id=f"cost-idle-{queue}", task_queue=queue
                )
                while await idle.query(ServerCostWorkflow.get_done) < 1:
                    await asyncio.sleep(0.05)
                describe = await _server_ms_per_unit(
                    server_meter, calls, _repeat(calls, lambda: is_idle(client, idle.id))
                )
                query = await _server_ms_per_unit(
                    server_meter, calls, _repeat(calls, lambda: idle.query(ServerCostWorkflow.get_done))
                )
                await idle.terminate()
    medians = {variant: round(statistics.median(figures), 2) for variant, figures in per_activity.items()}
    return {
        "workflows": workflows,
        "activities_per_workflow": activities,
        "repeats": repeats,
        "server_cpu_ms_per_activity": medians,
        "server_cpu_ms_per_activity_each_repeat": per_activity,
        "server_cpu_ms_per_call": {"describe": describe, "query": query},
        "calls": calls,
    }


def table(result: dict[str, Any]) -> str:
    plain = result["server_cpu_ms_per_activity"]["no-op activity"]
    rows = ["| Work | Dev server CPU ms | Beyond a no-op activity |", "|---|---|---|"]
    for variant, ms in result["server_cpu_ms_per_activity"].items():
        extra = "" if variant == "no-op activity" else f"{ms - plain:+.2f}"
        rows.append(f"| {variant} (per activity) | {ms} | {extra} |")
    for call, ms in result["server_cpu_ms_per_call"].items():
        rows.append(f"| a {call} of an idle workflow (per call) | {ms} | |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.server_costs", description=__doc__)
    parser.add_argument("--workflows", type=int, default=20)
    parser.add_argument("--activities", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--calls", type=int, default=500, help="describes, then queries, of one idle workflow")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = parser.parse_args()
    if min(args.workflows, args.activities, args.repeats, args.calls) < 1:
        parser.error("--workflows, --activities, --repeats and --calls must be at least 1")
    # Figures on stdout; the stack's own log lines, warnings only, on stderr.
    configure_logging("console", "WARNING", stream="stderr")
    result = asyncio.run(measure(args.workflows, args.activities, args.repeats, args.calls))
    print(json.dumps(result, indent=2) if args.json else table(result))


if __name__ == "__main__":
    main()
