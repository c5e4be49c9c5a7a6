"""get_state latency under a background load of journeys driven on the same worker.

Queries go one at a time, as from staff screens, to journeys waiting at their first
infusion, while other journeys are driven from consent to first infusion without pause.
The same queries with no load come first, for comparison.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from temporalio.client import WorkflowHandle

from bench.ceiling_vs_journey import drive_journeys, history_counts
from bench.live_context import LiveContext
from bench.live_journey import drive_to_first_infusion, start_live_journey
from bench.percentiles import summary_ms
from itc.models.state import JourneyStatus
from workflows.journey import ParticipantJourneyWorkflow

TARGET_P99_MS = 50.0
PAUSE_BETWEEN_QUERIES = 0.01
RAMP_UP_SECONDS = 1.0


async def sample_queries(handles: list[WorkflowHandle[Any, Any]], count: int) -> list[float]:
    samples = []
    for index in range(count):
        handle = handles[index % len(handles)]
        started = time.perf_counter()
        state = await handle.query(ParticipantJourneyWorkflow.get_state)
        samples.append(time.perf_counter() - started)
        assert isinstance(state, JourneyStatus)
        await asyncio.sleep(PAUSE_BETWEEN_QUERIES)
    return samples


async def measure(ctx: LiveContext, targets: int, lanes: int, samples: int) -> dict[str, Any]:
    handles = [ctx.client.get_workflow_handle(wid) for wid in await drive_journeys(ctx, "BQ", targets)]
    await sample_queries(handles, len(handles))  # every target in the worker's cache first
    unloaded = await sample_queries(handles, max(len(handles), samples // 4))

    stop = asyncio.Event()
    finished: list[tuple[float, str]] = []

    async def lane(number: int) -> None:
        index = 0
        while not stop.is_set():
            index += 1
            journey = await start_live_journey(ctx.client, ctx.journey_queue, f"BL{number}-{index:05d}")
            await drive_to_first_infusion(journey)
            finished.append((time.perf_counter(), journey.handle.id))

    load = [asyncio.create_task(lane(number)) for number in range(1, lanes + 1)]
    try:
        await asyncio.sleep(RAMP_UP_SECONDS)
        meter = ctx.cpu_meter()
        meter.start()
        window_start = time.perf_counter()
        loaded = await sample_queries(handles, samples)
        window_end = time.perf_counter()
        cpu = meter.stop()
    finally:
        stop.set()
        await asyncio.gather(*load)
    in_window = [wid for at, wid in finished if window_start <= at <= window_end]
    activities = sum(
        [c.activities for c in await asyncio.gather(*(history_counts(ctx.client, wid) for wid in in_window))]
    )
    loaded_ms = summary_ms(loaded)
    window = window_end - window_start
    return {
        "get_state_unloaded_ms": summary_ms(unloaded),
        "get_state_loaded_ms": loaded_ms,
        "background": {
            "driving_lanes": lanes,
            "journeys_finished_in_window": len(in_window),
            "activities_per_second": round(activities / window, 1),
            "cpu_cores_busy": round(sum(v for k, v in cpu.items() if k != "other") / window, 2),
            "other_cores_busy": round(cpu["other"] / window, 2),
            "cpu_seconds": cpu,
        },
        "target_p99_ms": TARGET_P99_MS,
        "met": loaded_ms["p99"] < TARGET_P99_MS,
    }
