"""The event store's pool for a command: on DATABASE_URL, or on the embedded PostgreSQL of the dev stack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from itc.base.settings import Settings
from itc.runtime.database import close_pool, open_pool
from itc.runtime.devstack import embedded_postgres


@asynccontextmanager
async def database_pool(settings: Settings) -> AsyncIterator[Any]:
    """A pool on DATABASE_URL, or on the embedded PostgreSQL (started for the duration
    if `itc dev` is not already running it)."""
    if settings.database_url:
        pool = await open_pool(settings.database_url)
        try:
            yield pool
        finally:
            await close_pool(pool)
        return

    async with embedded_postgres(settings) as dsn:
        pool = await open_pool(dsn)
        try:
            yield pool
        finally:
            await close_pool(pool)
