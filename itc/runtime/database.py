"""Opening the event store's pool with errors a person can act on."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from itc.runtime.errors import DatabaseUnreachable
from itc.runtime.settings import Settings


def describe_dsn(dsn: str) -> str:
    """Where a DSN points, without the user's password."""
    try:
        parts = urlsplit(dsn)
        host = parts.hostname or parse_qs(parts.query).get("host", ["local socket"])[0]
        port = f":{parts.port}" if parts.port else ""
        database = parts.path.lstrip("/") or "(default database)"
        return f"{host}{port}/{database}"
    except ValueError:
        return "the configured DATABASE_URL"


def unreachable_message(dsn: str) -> str:
    return f"Cannot reach PostgreSQL at {describe_dsn(dsn)} — is `itc dev` running, or DATABASE_URL right?"


async def open_pool(dsn: str) -> Any:
    """Create the event store pool (eventstore.database.create_pool), mapping connection failures."""
    import asyncpg

    from itc.eventstore.database import create_pool

    try:
        pool = create_pool(dsn)
        if inspect.isawaitable(pool):
            pool = await pool
        return pool
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as error:
        raise DatabaseUnreachable(unreachable_message(dsn)) from error


async def close_pool(pool: Any) -> None:
    closing = pool.close()
    if inspect.isawaitable(closing):
        await closing


@asynccontextmanager
async def database_pool(settings: Settings) -> AsyncIterator[Any]:
    """A pool on DATABASE_URL, or on the embedded PostgreSQL (started for the duration
    if `itc dev` is not already running it)."""
    from itc.runtime.devstack import embedded_postgres

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
