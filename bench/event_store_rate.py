"""Event-store write rate: events/s through EventStore.append, the append_events activity's
whole job (insert, project into participant_status, commit), by batch size and by the
number of appends in flight (a worker runs many journeys' activities at once)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg

from bench.sample_events import batches, rekey
from itc.eventstore.store import EventStore
from itc.models.events import JourneyEvent

TARGET_EVENTS_PER_SECOND = 2_000
BATCH_SIZES = (1, 10, 100)
CONCURRENCY = (1, 8)


def lane_streams(template: list[JourneyEvent], prefix: str, total_events: int, lanes: int) -> list[list[JourneyEvent]]:
    """Whole journeys per lane, so every participant's events arrive in order, as from a workflow."""
    per_lane = max(1, total_events // lanes)
    streams = []
    for lane in range(lanes):
        stream: list[JourneyEvent] = []
        participant = 0
        while len(stream) < per_lane:
            participant += 1
            stream += rekey(template, f"{prefix}{lane}-{participant:05d}")
        streams.append(stream[:per_lane])
    return streams


async def append_rate(store: EventStore, streams: list[list[JourneyEvent]], batch_size: int) -> float:
    async def lane(stream: list[JourneyEvent]) -> None:
        for batch in batches(stream, batch_size):
            await store.append(batch)

    started = time.perf_counter()
    await asyncio.gather(*(lane(stream) for stream in streams))
    seconds = time.perf_counter() - started
    return sum(len(s) for s in streams) / seconds


async def measure(pool: asyncpg.Pool, template: list[JourneyEvent], events_per_case: int) -> dict[str, Any]:
    store = EventStore(pool)
    cases = []
    for number, batch_size in enumerate(BATCH_SIZES):
        for concurrency in CONCURRENCY:
            streams = lane_streams(template, f"R{number}C{concurrency}L", events_per_case, concurrency)
            rate = await append_rate(store, streams, batch_size)
            cases.append(
                {
                    "batch": batch_size,
                    "concurrent_appends": concurrency,
                    "events": sum(len(s) for s in streams),
                    "events_per_second": round(rate),
                }
            )
    best = max(cases, key=lambda case: case["events_per_second"])
    single = next(c for c in cases if c["batch"] == 1 and c["concurrent_appends"] == 1)
    return {
        "cases": cases,
        "best": best,
        "single_event_sequential_events_per_second": single["events_per_second"],
        "target_events_per_second": TARGET_EVENTS_PER_SECOND,
        "met": best["events_per_second"] >= TARGET_EVENTS_PER_SECOND,
    }
