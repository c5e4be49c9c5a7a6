"""Journey throughput against the bare-Temporal ceiling, on one dev server in one run.

N journeys are driven by scripted staff Updates to their first infusion; each journey's
history says how many activities it actually ran (K_i). Then N ceiling workflows run
K_i no-op activities each, on a worker built from the same configuration. Both report
activities/s; their ratio is the journey's share of what Temporal itself allows here.
Rounds alternate journey and ceiling so drift on a noisy machine hits both alike.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from bench.ceiling import CeilingWorkflow
from bench.live_context import LiveContext
from bench.live_journey import drive_to_first_infusion, start_live_journey

TARGET_RATIO = 0.85  # the journey's activities/s as a share of bare Temporal's, same run


@dataclass
class HistoryCounts:
    events: int
    activities: int
    workflow_tasks: int
    updates: int


async def history_counts(client: Client, workflow_id: str) -> HistoryCounts:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    kinds = [event.event_type for event in history.events]
    return HistoryCounts(
        events=len(kinds),
        activities=kinds.count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
        workflow_tasks=kinds.count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
        updates=kinds.count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
    )


async def drive_journeys(ctx: LiveContext, prefix: str, count: int) -> list[str]:
    return [workflow_id for workflow_id, _sent in await drive_journeys_counting_updates(ctx, prefix, count)]


async def drive_journeys_counting_updates(ctx: LiveContext, prefix: str, count: int) -> list[tuple[str, int]]:
    """Each journey's workflow ID and how many Updates the scripted path sent it."""

    async def one(index: int) -> tuple[str, int]:
        journey = await start_live_journey(ctx.client, ctx.journey_queue, f"{prefix}-{index:05d}")
        await drive_to_first_infusion(journey)
        return journey.handle.id, journey.updates_sent

    return list(await asyncio.gather(*(one(index) for index in range(1, count + 1))))


async def run_ceiling(ctx: LiveContext, prefix: str, activity_counts: list[int]) -> list[str]:
    async def one(index: int, activities: int) -> str:
        workflow_id = f"ceiling-{prefix}-{index:05d}"
        await ctx.client.execute_workflow(CeilingWorkflow.run, activities, id=workflow_id, task_queue=ctx.ceiling_queue)
        return workflow_id

    return list(await asyncio.gather(*(one(index, k) for index, k in enumerate(activity_counts, start=1))))


def _rate(activities: int, seconds: float) -> float:
    return round(activities / seconds, 1)


async def _journey_phase(ctx: LiveContext, prefix: str, count: int) -> tuple[dict[str, Any], list[HistoryCounts]]:
    meter = ctx.cpu_meter()
    meter.start()
    started = time.perf_counter()
    driven = await drive_journeys_counting_updates(ctx, prefix, count)
    seconds = time.perf_counter() - started
    cpu = meter.stop()
    counts = await asyncio.gather(*(history_counts(ctx.client, wid) for wid, _sent in driven))
    activities = sum(c.activities for c in counts)
    return {
        "updates_sent_per_journey": sorted({sent for _wid, sent in driven}),
        "seconds": round(seconds, 3),
        "activities": activities,
        "activities_per_second": _rate(activities, seconds),
        "cpu_seconds": cpu,
        "cpu_ms_per_activity": {name: round(1000 * s / activities, 2) for name, s in cpu.items()},
    }, list(counts)


async def _ceiling_phase(ctx: LiveContext, prefix: str, activity_counts: list[int]) -> dict[str, Any]:
    meter = ctx.cpu_meter()
    meter.start()
    started = time.perf_counter()
    workflow_ids = await run_ceiling(ctx, prefix, activity_counts)
    seconds = time.perf_counter() - started
    cpu = meter.stop()
    sample = await history_counts(ctx.client, workflow_ids[0])
    activities = sum(activity_counts)
    return {
        "seconds": round(seconds, 3),
        "activities": activities,
        "activities_per_second": _rate(activities, seconds),
        "workflow_tasks_per_activity": round(sample.workflow_tasks / max(sample.activities, 1), 2),
        "cpu_seconds": cpu,
        "cpu_ms_per_activity": {name: round(1000 * s / activities, 2) for name, s in cpu.items()},
    }


async def measure(ctx: LiveContext, journeys: int, rounds: int) -> dict[str, Any]:
    # Warm-up: imports, the sandbox's module cache and the server's first-use paths.
    warm = await drive_journeys(ctx, "BW", 1)
    warm_counts = await history_counts(ctx.client, warm[0])
    await run_ceiling(ctx, "warm", [warm_counts.activities])

    per_round = []
    for number in range(1, rounds + 1):
        journey, counts = await _journey_phase(ctx, f"BJ{number}", journeys)
        ceiling = await _ceiling_phase(ctx, f"r{number}", [c.activities for c in counts])
        per_round.append(
            {
                "journey": journey,
                "ceiling": ceiling,
                "ratio": round(journey["activities_per_second"] / ceiling["activities_per_second"], 3),
                "activities_per_journey": sorted({c.activities for c in counts}),
                "updates_per_journey": sorted({c.updates for c in counts}),
                "updates_sent_per_journey": journey.pop("updates_sent_per_journey"),
                "workflow_tasks_per_activity": round(
                    sum(c.workflow_tasks for c in counts) / sum(c.activities for c in counts), 2
                ),
                "history_events_per_journey": round(statistics.mean(c.events for c in counts), 1),
            }
        )
    ratios = [r["ratio"] for r in per_round]
    middle = per_round[ratios.index(sorted(ratios)[(len(ratios) - 1) // 2])]
    return {
        "journeys": journeys,
        "rounds": rounds,
        "path": "consent → eligibility → baseline → biopsy → manufacturing (6 milestones) → dose plan → first infusion",
        "journey_activities_per_second": middle["journey"]["activities_per_second"],
        "ceiling_activities_per_second": middle["ceiling"]["activities_per_second"],
        "ratio": middle["ratio"],
        "target_ratio": TARGET_RATIO,
        "met": middle["ratio"] >= TARGET_RATIO,
        "per_round": per_round,
    }
