"""The stack the live benchmarks run on: a fresh Temporal dev server and embedded PostgreSQL.

The same pieces as `itc dev` (runtime.devstack), but in a throwaway data directory on free
ports, so a benchmark never touches a developer's journeys or a running `itc dev`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from itc.base.settings import Settings
from itc.eventstore.scratch import with_database
from itc.runtime.devstack import DATABASE_NAME, dev_stack, free_port


@dataclass
class BenchStack:
    settings: Settings
    data_dir: Path
    postgres_version: str
    postgres_durability: dict[str, str]

    @property
    def temporal_address(self) -> str:
        assert self.settings.temporal_address
        return self.settings.temporal_address

    @property
    def database_url(self) -> str:
        assert self.settings.database_url
        return self.settings.database_url


async def _server_facts(dsn: str) -> tuple[str, dict[str, str]]:
    conn = await asyncpg.connect(dsn)
    try:
        version = await conn.fetchval("SHOW server_version")
        # Write rates depend on these; the embedded server keeps PostgreSQL's defaults.
        durability = {name: await conn.fetchval(f"SHOW {name}") for name in ("fsync", "synchronous_commit")}
    finally:
        await conn.close()
    return version, durability


async def _capacity_never_runs_out(dsn: str) -> None:
    """The figures are the journey's own path to first infusion: with the site's default two
    manufacturing slots a week, every journey after the second would wait in the slot queue,
    and with its default chairs a day, most infusion bookings of a round would be refused for
    want of capacity and turn into escalations to site staff, which are a different path."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("UPDATE manufacturing_capacity SET slots_per_week = 100000")
        await conn.execute("UPDATE resource_capacity SET per_day = 100000")
    finally:
        await conn.close()


@asynccontextmanager
async def bench_stack(data_dir: Path) -> AsyncIterator[BenchStack]:
    settings = Settings(
        # Explicit None: a TEMPORAL_ADDRESS or DATABASE_URL in the environment must not
        # point the benchmark at someone else's services.
        temporal_address=None,
        database_url=None,
        itc_data_dir=data_dir,
        dev_temporal_port=free_port(),
        dev_ui_port=free_port(),
        task_queue="bench-journeys",
        log_level="WARNING",
    )
    async with dev_stack(settings) as stack:
        # Benchmarks make a fresh database per measurement, which takes the server's superuser.
        admin = with_database(stack.server_admin_url, DATABASE_NAME) if stack.server_admin_url else None
        bench_settings = stack.settings.model_copy(update={"database_url": admin, "itc_database_owner_url": admin})
        version, durability = await _server_facts(bench_settings.database_url or stack.database_url)
        await _capacity_never_runs_out(bench_settings.database_url or stack.database_url)
        yield BenchStack(bench_settings, data_dir, version, durability)
    # Let the servers' exit settle before the caller removes the directory.
    await asyncio.sleep(0.1)
