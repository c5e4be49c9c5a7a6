"""A fresh, migrated database on the bench's PostgreSQL, so event-store figures start empty."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from eventstore.database import create_pool
from eventstore.migrate import apply_migrations


def with_database(dsn: str, database: str) -> str:
    # Socket URIs keep their ?host=; only the path names the database.
    return urlunsplit(urlsplit(dsn)._replace(path=f"/{database}"))


@asynccontextmanager
async def fresh_database(server_dsn: str, max_connections: int = 10) -> AsyncIterator[asyncpg.Pool]:
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    pool = await create_pool(with_database(server_dsn, name), min_size=1, max_size=max_connections)
    try:
        await apply_migrations(pool)
        yield pool
    finally:
        await pool.close()
        admin = await asyncpg.connect(server_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
