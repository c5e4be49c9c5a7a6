"""The command line through the HTTP API on the real dev stack: `itc login` stores a personal
token 0600, record commands then go through the API as that person (no Temporal address, no
database, no payload key on the staff machine), and `itc logout` revokes the token."""

from __future__ import annotations

import asyncio
import json
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
from fixtures_devstack import consent, fresh_participant, iso
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

    # A start through the API too: the consent record is checked here, the person is the actor.
    second = fresh_participant("CLI")
    consent_file = tmp_path / "consent.json"
    record = consent(second, "SITE-API", actor_id="ops.api")
    del record["actor_id"]
    consent_file.write_text(json.dumps(record), encoding="utf-8")
    started = await itc(env, "start", "--consent-file", str(consent_file))
    assert started.exit_code == 0 and f"Started journey journey-{second} for {second}" in started.output, started.output

    # The staff commands read through the API as the signed-in person: the environment's Temporal
    # address and database are unreachable, so any direct connection would fail.
    status = await itc(env, "status", participant)
    assert status.exit_code == 0 and participant in status.output, status.output
    timeline = await itc(env, "timeline", participant)
    assert timeline.exit_code == 0 and "ops.api" in timeline.output, timeline.output
    listed = await itc(env, "list", "--json")
    assert listed.exit_code == 0 and participant in listed.output, listed.output
    trial = await itc(env, "trial", "status")
    assert trial.exit_code == 0 and "Enrolled" in trial.output, trial.output

    # Signing through the CLI: the password again at the moment of signing (21 CFR 11.200(a)).
    eligibility_recorded = await itc(
        env, "record", "eligibility", "--participant", participant, "--advanced-breast-cancer", "--progressed",
        "--metastasis-count", "1", "--metastasis-site", "lung", "--measurable", "--no-active-infection",
        "--no-other-cancer", "--assessed-at", collected,
    )  # fmt: skip
    assert eligibility_recorded.exit_code == 0, eligibility_recorded.output
    sequence = int(eligibility_recorded.output.split("#", 1)[1].split(" ", 1)[0])
    await stored(api, participant, sequence)
    wrong = await itc(env, "sign", "event", participant, str(sequence), input="not the password\n")
    assert wrong.exit_code == 1, wrong.output
    signed = await itc(env, "sign", "event", participant, str(sequence), input=f"{PASSWORD}\n")
    assert signed.exit_code == 0 and "Signed by Ops Api (ops.api), approved, " in signed.output, signed.output
    audit = await itc(env, "audit", participant)
    assert audit.exit_code == 0 and f"#{sequence} Signed by Ops Api (ops.api), approved, " in audit.output
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
    # Signed out, a record command refuses (exit 2, naming `itc login`): there is no other way in.
    refused = await itc(env, "record", "lab-results", "--participant", participant, *labs, "--collected-at", collected)
    assert refused.exit_code == 2 and "itc login" in refused.stderr and refused.stdout == "", refused.output


async def stored(api: Api, participant: str, sequence: int) -> None:
    """Until the journey has stored the event the API accepted (an activity, a moment later)."""
    for _ in range(150):
        audit = await api.http.get(f"/api/journeys/{participant}/audit", headers=api.auth(Role.SUPERVISOR))
        if any(event["sequence"] == sequence for event in audit.json()):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"event #{sequence} of {participant} was not stored")


def test_the_api_commands_load_neither_temporal_nor_the_server_side() -> None:
    """Most of a command's time used to be importing the Temporal client: the API commands skip it."""
    probe = (
        "import sys; import itc.cli.entry, itc.cli.api_commands; "
        "print(sorted(m for m in ('temporalio', 'fastapi', 'asyncpg', 'itc.api', 'itc.runtime') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_the_staff_commands_through_the_api_load_neither_temporal_nor_the_server_side() -> None:
    """The staff commands a signed-in person runs through the API import no Temporal client,
    database driver or web server; they share the dashboard's words (`itc.api.labels`) only."""
    server_side = (
        "temporalio", "fastapi", "starlette", "asyncpg", "itc.runtime", "itc.api.app", "itc.api.operations",
        "itc.eventstore", "itc.people",
    )  # fmt: skip
    probe = (
        "import sys; import itc.cli.entry, itc.cli.staff_commands; "
        f"print(sorted(m for m in {server_side!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
