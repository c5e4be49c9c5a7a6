"""The command line through the HTTP API on the real dev stack: `itc login` stores a personal
token 0600, record commands then go through the API as that person (no Temporal address, no
database, no payload key on the staff machine), and `itc logout` revokes the token."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fixtures_api import PASSWORD, PEOPLE, Api
from fixtures_devstack import fresh_participant, iso
from typer.testing import CliRunner

from itc.api.server import serving
from itc.cli.main import app
from itc.models.roles import Role


@pytest.fixture(scope="module")
async def api_url(app_on_stack: FastAPI) -> AsyncIterator[str]:
    async with serving(app_on_stack, "127.0.0.1", 0) as url:
        yield url


def staff_env(api_url: str, token_file: Path) -> dict[str, str]:
    """A staff machine: the API's address and a token file, and nothing that reaches Temporal
    or the database (an unroutable address, so a direct connection would fail loudly)."""
    return {
        "ITC_API_URL": api_url,
        "ITC_TOKEN_FILE": str(token_file),
        "TEMPORAL_ADDRESS": "127.0.0.1:1",
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "ITC_PROTOCOL_FILE": "",
    }


async def itc(env: dict[str, str], *args: str, input: str | None = None) -> Any:
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env, input=input)


async def test_record_commands_go_through_the_api_as_the_signed_in_person(
    api: Api, api_url: str, tmp_path: Path
) -> None:
    token_file = tmp_path / "itc" / "token"
    env = staff_env(api_url, token_file)
    participant = fresh_participant("CLI")
    await api.start(participant)

    wrong = await itc(env, "login", "--person", PEOPLE[Role.OPERATIONS], input="not the password\n")
    assert wrong.exit_code == 1 and "Wrong person ID, password or code." in wrong.output
    assert not token_file.exists()

    login = await itc(env, "login", "--person", PEOPLE[Role.OPERATIONS], input=f"{PASSWORD}\n")
    assert login.exit_code == 0, login.output
    assert "Signed in" in login.output and "Ops Api (ops.api" in login.output
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert PASSWORD not in token_file.read_text()

    collected = iso(datetime.now(UTC) - timedelta(hours=1))
    labs = (
        "--result",
        "creatinine=0.8",
        "--result",
        "spo2=98",
        "--result",
        "alt=30:uln=40",
        "--result",
        "ast=28:uln=40",
    )
    recorded = await itc(env, "record", "lab-results", "--participant", participant, *labs, "--collected-at", collected)
    assert recorded.exit_code == 0, recorded.output
    assert recorded.output.startswith("Accepted #")
    timeline = (await api.http.get(f"/api/journeys/{participant}/timeline", headers=api.auth(Role.SUPERVISOR))).json()
    labs_entry = next(entry for entry in timeline if entry["type"] == "LabResultsRecorded")
    assert labs_entry["actor"] == PEOPLE[Role.OPERATIONS]

    other = await itc(
        env, "record", "lab-results", "--participant", participant, "--actor", "dr.karimi", *labs,
        "--collected-at", collected,
    )  # fmt: skip
    assert other.exit_code == 1 and "you are signed in as ops.api" in other.output

    assert (await itc(env, "whoami")).output.startswith("Ops Api (ops.api): operations")
    # The console script's own path: a fresh process, the light app, the same answer.
    process = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "itc.cli.entry", "whoami"], env={**os.environ, **env},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert process.returncode == 0 and process.stdout.startswith("Ops Api (ops.api)"), process.stderr
    logout = await itc(env, "logout")
    assert logout.exit_code == 0 and not token_file.exists()
    after = await itc(env, "whoami")
    assert after.exit_code == 1 and "itc login" in after.output


def test_the_api_commands_load_neither_temporal_nor_the_server_side() -> None:
    """Most of a command's time used to be importing the Temporal client: the API commands skip it."""
    probe = (
        "import sys; import itc.cli.entry, itc.cli.api_commands; "
        "print(sorted(m for m in ('temporalio', 'fastapi', 'asyncpg', 'itc.api', 'itc.runtime') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
