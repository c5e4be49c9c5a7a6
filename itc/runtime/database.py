"""Opening the event store's pool with errors a person can act on."""

from __future__ import annotations

import inspect
from typing import Any
from urllib.parse import parse_qs, urlsplit

from itc.base.errors import DatabaseUnreachable


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
