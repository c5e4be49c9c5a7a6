"""When the event append heartbeats: only once it has run for a while.

The SDK sends an attempt's first heartbeat to the server at once. An append that beat on
entry cost the server a heartbeat RPC and a write for every append, though almost every one
ends within milliseconds. The heartbeat timeout still covers an attempt that never beats:
Temporal counts it from the attempt's start.
"""

from __future__ import annotations

import asyncio

from temporalio.testing import ActivityEnvironment

from activities.heartbeats import HEARTBEAT_EVERY_SECONDS, HEARTBEAT_TIMEOUT, heartbeating


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
