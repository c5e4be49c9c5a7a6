"""The event store's pool for a command: on DATABASE_URL, or on the embedded PostgreSQL of the dev stack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from itc.base.settings import Settings
from itc.runtime.database import close_pool, open_pool
from itc.runtime.devstack import embedded_postgres


@asynccontextmanager
async def database_pool(settings: Settings, *, as_owner: bool = False) -> AsyncIterator[Any]:
    """A pool on DATABASE_URL, or on the embedded PostgreSQL (started for the duration
    if `itc dev` is not already running it). `as_owner` is for maintenance (migrations,
    rebuilds): ITC_DATABASE_OWNER_URL, falling back to DATABASE_URL."""
    configured = settings.owner_database_url if as_owner else settings.database_url
    if configured:
        pool = await open_pool(configured)
        try:
            yield pool
        finally:
            await close_pool(pool)
        return

    async with embedded_postgres(settings) as database:
        pool = await open_pool(database.owner_url if as_owner else database.engine_url)
        try:
            yield pool
        finally:
            await close_pool(pool)
