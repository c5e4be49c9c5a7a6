"""Opening the event store's pool with errors a person can act on."""

from __future__ import annotations

import inspect
from typing import Any
from urllib.parse import parse_qs, urlsplit

from itc.base.errors import DatabaseUnreachable, UserFacingError


class SuperuserRefused(UserFacingError):
    """The engine was given a superuser's URL, which no privilege or trigger can hold back."""

    exit_code = 3


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


async def open_engine_pool(dsn: str) -> Any:
    """The engine's pool, refused if its role is a superuser (or may bypass row security): such a
    role could disable the append-only triggers, so the record would be append-only by courtesy."""
    pool = await open_pool(dsn)
    try:
        async with pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT current_user AS role, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
            )
    except BaseException:
        await close_pool(pool)
        raise
    if row is not None and (row["rolsuper"] or row["rolbypassrls"]):
        await close_pool(pool)
        raise SuperuserRefused(
            f"DATABASE_URL connects as {row['role']}, a superuser; the engine must use its own role "
            "(itc_engine, see the README's Database roles), and migrations the owner's (ITC_DATABASE_OWNER_URL)"
        )
    return pool
