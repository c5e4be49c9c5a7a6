"""Cohort list latency: EventStore.list_status on the read model with many participants.

Participants are loaded through EventStore.append (so participant_status is built by the
real projection), each left in some stage of one real journey, spread evenly over them.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import asyncpg

from bench.percentiles import summary_ms
from bench.sample_events import rekey, stage_cut_points
from itc.eventstore.store import EventStore
from itc.models.events import JourneyEvent

TARGET_MS = 200.0
LOADERS = 8


async def load_participants(store: EventStore, template: list[JourneyEvent], participants: int) -> dict[str, Any]:
    cuts = [*stage_cut_points(template), len(template)]
    queue: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    for index in range(participants):
        queue.put_nowait((f"LS-{index + 1:05d}", cuts[index % len(cuts)]))
    appended = 0

    async def loader() -> None:
        nonlocal appended
        while not queue.empty():
            participant_id, upto = queue.get_nowait()
            # One append per participant: all its events, as a batch.
            result = await store.append(rekey(template, participant_id, upto))
            appended += result.inserted

    started = time.perf_counter()
    await asyncio.gather(*(loader() for _ in range(LOADERS)))
    seconds = time.perf_counter() - started
    return {
        "participants": participants,
        "events": appended,
        "seconds": round(seconds, 2),
        "events_per_second": round(appended / seconds),
    }


async def time_calls(call: Any, repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


async def measure(pool: asyncpg.Pool, template: list[JourneyEvent], participants: int, repeats: int) -> dict[str, Any]:
    store = EventStore(pool)
    load = await load_participants(store, template, participants)
    rows = await store.list_status()
    stages = Counter(row["stage"] for row in rows)
    busiest = stages.most_common(1)[0][0]
    await store.list_status()  # a warm cache, as for a dashboard refreshed all day
    everyone = await time_calls(store.list_status, repeats)
    one_stage = await time_calls(lambda: store.list_status(stage=busiest), repeats)
    everyone_ms = summary_ms(everyone)
    return {
        "load": load,
        "rows": len(rows),
        "stages": dict(sorted(stages.items())),
        "list_all_ms": everyone_ms,
        "list_stage": {"stage": busiest, "rows": stages[busiest], **summary_ms(one_stage)},
        "repeats": repeats,
        "target_ms": TARGET_MS,
        "met": everyone_ms["p95"] < TARGET_MS,
    }
