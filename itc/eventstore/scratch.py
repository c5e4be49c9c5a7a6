"""Throwaway databases on a PostgreSQL server: one per test, benchmark or simulation run."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from itc.eventstore.database import create_pool
from itc.eventstore.migrate import apply_migrations


def with_database(dsn: str, database: str) -> str:
    """The same server with another database (socket URIs keep their ?host=)."""
    return urlunsplit(urlsplit(dsn)._replace(path=f"/{database}"))


async def admin_execute(server_dsn: str, statement: str) -> None:
    """One statement (CREATE or DROP DATABASE) on a connection of its own to the server's DSN."""
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


@asynccontextmanager
async def scratch_database(
    server_dsn: str, prefix: str, *, migrate: bool = True, durable: bool = True, keep: bool = False
) -> AsyncIterator[str]:
    """Create a database named `<prefix>_<random>`, migrated unless told not to; yield its DSN;
    drop it afterwards unless `keep`. `durable=False` skips waiting for each commit to reach
    the disk, for runs that can be repeated."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await admin_execute(server_dsn, f'CREATE DATABASE "{name}"')
    try:
        if not durable:
            await admin_execute(server_dsn, f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        dsn = with_database(server_dsn, name)
        if migrate:
            pool = await create_pool(dsn, min_size=1, max_size=2)
            try:
                await apply_migrations(pool)
            finally:
                await pool.close()
        yield dsn
    finally:
        if not keep:
            await admin_execute(server_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
