"""A staff action's round trip through the HTTP API under load: POST lab results to
/api/journeys/{id}/lab-results on `itc serve` (its own process, a real socket), until the API
answers 200 with the journey's acceptance.

Posts go one at a time, as from a person at a form, to journeys in screening, while other
journeys are driven from consent to first infusion without pause on the same worker. The
write-rate limit is lifted for the run: it would answer 429 long before the stack is busy,
and the figure wanted is the stack's latency, not the limiter's.

Lanes driven without pause take whatever CPU is free, so the heaviest load saturates a small
machine, and a latency under it says how the CPU was shared more than how fast the stack
answers. The target is judged at that heaviest load (`lanes`), as before; the same POSTs are
also timed under lighter loads (`lighter_lanes`), so the report shows the load up to which the
target holds.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench.api_process import api_process
from bench.live_context import LiveContext
from bench.live_journey import LiveJourney, drive_to_first_infusion, start_live_journey
from bench.percentiles import summary_ms
from bench.update_task_timings import history_marks, update_task_timings
from itc.models.inputs import RecordLabResultsInput
from itc.people.access_log import Channel
from itc.people.models import AddPersonInput
from itc.people.service import People
from itc.runtime.database import close_pool, open_pool
from itc.runtime.journeys import journey_id

TARGET_P99_MS = 150.0
PAUSE_BETWEEN_POSTS = 0.01
RAMP_UP_SECONDS = 1.0
NURSE = "bench.nurse"
LABS = (("creatinine", 0.8), ("spo2", 98.0), ("alt", 30.0), ("ast", 28.0))


def _lab_results() -> dict[str, Any]:
    collected = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    return {
        "actor_id": NURSE,
        "results": [{"code": code, "value": value, "collected_at": collected} for code, value in LABS],
    }


async def _timed(send: Callable[[int], Awaitable[None]], count: int) -> list[float]:
    """Send `count` actions one at a time, as from a person at a form; each one's seconds."""
    samples = []
    for index in range(count):
        started = time.perf_counter()
        await send(index)
        samples.append(time.perf_counter() - started)
        await asyncio.sleep(PAUSE_BETWEEN_POSTS)
    return samples


async def _post_actions(http: httpx.AsyncClient, participants: list[str], count: int) -> list[float]:
    async def post(index: int) -> None:
        participant = participants[index % len(participants)]
        response = await http.post(f"/api/journeys/{participant}/lab-results", json=_lab_results())
        if response.status_code != 200 or "sequence" not in response.json():
            raise RuntimeError(f"staff action not accepted: {response.status_code} {response.text[:300]}")

    return await _timed(post, count)


async def _direct_updates(journeys: list[LiveJourney], count: int) -> list[float]:
    """The same Update sent straight from a Temporal client, without the API: what the API adds
    to a round trip is the difference."""

    async def update(index: int) -> None:
        payload = RecordLabResultsInput.model_validate(_lab_results())
        await journeys[index % len(journeys)].update("record_lab_results", payload)

    return await _timed(update, count)


async def _nurse_token(pool: Any) -> str:
    """A research nurse's account on the bench's own database, and a personal API token for it."""
    people = People.on(pool)
    person = AddPersonInput(
        person_id=NURSE, full_name="Bench Nurse", roles=["operations"], password=secrets.token_urlsafe(24)
    )
    await people.accounts.add(person, actor_id="bench", channel=Channel.BOOTSTRAP)
    token, _ = await people.tokens.issue(NURSE, label="bench", days=1, actor_id="bench", channel=Channel.BOOTSTRAP)
    return token


async def measure(
    ctx: LiveContext, targets: int, lanes: int, samples: int, lighter_lanes: tuple[int, ...] = ()
) -> dict[str, Any]:
    if any(not 0 < level < lanes for level in lighter_lanes) or list(lighter_lanes) != sorted(set(lighter_lanes)):
        raise ValueError(f"lighter loads must be distinct, ascending and below {lanes} lanes: {lighter_lanes}")
    participants = [f"BA-{index:05d}" for index in range(1, targets + 1)]
    journeys = [await start_live_journey(ctx.client, ctx.journey_queue, participant) for participant in participants]
    pool = await open_pool(ctx.stack.database_url)
    try:
        token = await _nurse_token(pool)
    finally:
        await close_pool(pool)
    async with (
        api_process(ctx.stack, write_rate_per_minute=1_000_000, write_burst=1_000_000) as api,
        httpx.AsyncClient(base_url=api.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http,
    ):
        await _post_actions(http, participants, len(participants))  # every target in the worker's cache
        marks = await history_marks(ctx.client, map(journey_id, participants))
        unloaded = await _post_actions(http, participants, max(len(participants), samples // 4))
        unloaded_tasks = await update_task_timings(ctx.client, marks)
        direct = await _direct_updates(journeys, max(len(participants), samples // 4))
        sweep = []
        for level in lighter_lanes:
            timed, load = await _under_load(ctx, http, participants, level, samples, api.pid)
            sweep.append(_sweep_entry(timed, load))
        marks = await history_marks(ctx.client, map(journey_id, participants))
        loaded, background = await _under_load(ctx, http, participants, lanes, samples, api.pid)
        loaded_tasks = await update_task_timings(ctx.client, marks)
    loaded_ms = summary_ms(loaded)
    sweep.append(_sweep_entry(loaded, background))
    return {
        "path": "HTTP POST /api/journeys/{id}/lab-results (itc serve, own process) -> workflow Update -> 200 accepted",
        "round_trip_unloaded_ms": summary_ms(unloaded),
        "update_without_api_unloaded_ms": summary_ms(direct),
        "round_trip_loaded_ms": loaded_ms,
        # The Update's workflow task, from the histories: the rest of a round trip is the API,
        # the wire and the server admitting and persisting the Update.
        "update_task_unloaded": unloaded_tasks,
        "update_task_loaded": loaded_tasks,
        "background": background,
        # Every load the POSTs were timed under, lightest first; the last is the judged one.
        "by_load": sweep,
        "target_p99_ms": TARGET_P99_MS,
        "met": _met(loaded_ms, background),
    }


def _met(timed: dict[str, Any], background: dict[str, Any]) -> bool:
    """Under the target, and under the load claimed: a lane that failed made the load lighter."""
    return timed["p99"] < TARGET_P99_MS and not background["lanes_failed"]


def _sweep_entry(samples: list[float], background: dict[str, Any]) -> dict[str, Any]:
    """One load's figures: its background (without the per-process CPU split) and its round trips."""
    timed = summary_ms(samples)
    load = {key: value for key, value in background.items() if key != "cpu_seconds_by_process"}
    return {**load, "round_trip_ms": timed, "met": _met(timed, background)}


async def _under_load(
    ctx: LiveContext, http: httpx.AsyncClient, participants: list[str], lanes: int, samples: int, api_pid: int
) -> tuple[list[float], dict[str, Any]]:
    stop = asyncio.Event()
    finished = 0

    async def lane(number: int) -> None:
        nonlocal finished
        index = 0
        while not stop.is_set():
            index += 1
            # Lanes of an earlier load left their journeys open: each load's IDs are its own.
            journey = await start_live_journey(ctx.client, ctx.journey_queue, f"BR{lanes}L{number}-{index:05d}")
            await drive_to_first_infusion(journey)
            finished += 1

    load = [asyncio.create_task(lane(number)) for number in range(1, lanes + 1)]
    try:
        await asyncio.sleep(RAMP_UP_SECONDS)
        meter = ctx.cpu_meter(api=lambda: [api_pid])
        meter.start()
        window_start = time.perf_counter()
        loaded = await _post_actions(http, participants, samples)
        window = time.perf_counter() - window_start
        cpu = meter.stop()
    finally:
        stop.set()
        # A lane the loaded stack timed out is reported, not allowed to discard the samples.
        ended = await asyncio.gather(*load, return_exceptions=True)
    failures = [type(error).__name__ for error in ended if isinstance(error, BaseException)]
    return loaded, {
        "driving_lanes": lanes,
        "journeys_driven_to_first_infusion": finished,
        "lanes_failed": failures,
        "cpu_cores_busy": round(sum(v for k, v in cpu.items() if k != "other") / window, 2),
        "other_cores_busy": round(cpu["other"] / window, 2),
        "cpu_seconds_by_process": cpu,
    }
