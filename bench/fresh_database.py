"""A fresh, migrated database on the bench's PostgreSQL, so event-store figures start empty."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from itc.eventstore.database import create_pool
from itc.eventstore.scratch import scratch_database


@asynccontextmanager
async def fresh_database(server_dsn: str, max_connections: int = 10) -> AsyncIterator[asyncpg.Pool]:
    async with scratch_database(server_dsn, "bench") as dsn:
        pool = await create_pool(dsn, min_size=1, max_size=max_connections)
        try:
            yield pool
        finally:
            await pool.close()
