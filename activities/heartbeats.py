"""Heartbeats for the event append, so a write cut off by a worker crash is retried in seconds.

Without a heartbeat, Temporal learns that an attempt died with its worker only when the
attempt's start-to-close timeout (30 s) runs out. With one, the server gives up on the attempt
once HEARTBEAT_TIMEOUT passes without a beat, and the retry policy's first 1 s backoff follows.
The beats come from a task beside the write, since the write itself may wait (on the
participant's lock, or on a slow commit) longer than the timeout while its worker is alive.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta

from temporalio import activity

HEARTBEAT_TIMEOUT = timedelta(seconds=3)
# Several beats per timeout: the SDK sends at most one per 80 % of the timeout anyway, and a
# worker slowed by load must not miss the window and have a live attempt retried beside it.
HEARTBEAT_EVERY_SECONDS = 0.5


@asynccontextmanager
async def heartbeating() -> AsyncIterator[None]:
    """Beat for as long as the block runs (outside an activity, e.g. in a unit test, do nothing)."""
    if not activity.in_activity():
        yield
        return

    async def beat() -> None:
        while True:
            # Sleep first: the SDK sends an attempt's first beat to the server at once, an RPC
            # and a write of the activity's state there (about 3 ms of the dev server's CPU in
            # `python -m bench.server_costs`), and
            # most appends end within milliseconds. The heartbeat timeout runs from the
            # attempt's start whether it ever beats or not, so a lost attempt is still given
            # up after 3 s.
            await asyncio.sleep(HEARTBEAT_EVERY_SECONDS)
            activity.heartbeat()

    task = asyncio.create_task(beat(), name="append-heartbeat")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
