"""Staff commands go through the HTTP API as the person signed in with `itc login`, or not at all
(21 CFR 11.10(d), 11.10(g): access limited to authorised individuals, each action attributed to
the one who signed in). Without a stored token every one of them exits 2, naming `itc login` and
ITC_API_URL, before contacting anything: not the API, not Temporal, not the database."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from itc.cli.main import app

STAFF_COMMANDS: list[list[str]] = [
    ["start", "--consent-file", "examples/consent.json"],
    [
        "record", "lab-results", "--participant", "ITC-007", "--role", "operations",
        "--result", "creatinine=0.8", "--collected-at", "2026-01-06T09:00:00Z",
    ],
    ["record", "lab-results", "--participant", "ITC-007", "--actor", "nurse.lee", "--result", "spo2=98"],
    ["status", "ITC-007"],
    ["timeline", "ITC-007"],
    ["audit", "ITC-007"],
    ["chain", "ITC-007"],
    ["list"],
    ["trial", "status"],
    ["trial", "resume", "--reason", "the safety review found no DLT"],
]  # fmt: skip
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """One listening socket standing in for the API, Temporal and PostgreSQL alike: any
    connection a command opens waits in its backlog, where the test finds it."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        server.setblocking(False)
        yield server


def no_login_env(listener: socket.socket, tmp_path: Path) -> dict[str, str]:
    address = f"127.0.0.1:{listener.getsockname()[1]}"
    return {
        "ITC_API_URL": f"http://{address}",
        "ITC_TOKEN_FILE": str(tmp_path / "no-login" / "token"),
        "TEMPORAL_ADDRESS": address,
        "DATABASE_URL": f"postgresql://itc@{address}/itc",
        "ITC_PROTOCOL_FILE": "",
    }


def assert_contacted_nothing(listener: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        listener.accept()


def assert_refused_for_want_of_login(result: Any, code: int, stderr: str, api_url: str) -> None:
    assert code == 2, stderr
    assert "itc login" in stderr and "ITC_API_URL" in stderr and api_url in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "Traceback" not in stderr


def test_every_staff_command_refuses_without_login_and_contacts_nothing(
    listener: socket.socket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    env = no_login_env(listener, tmp_path)
    for args in STAFF_COMMANDS:
        result = CliRunner().invoke(app, args, env=env, catch_exceptions=False)
        assert_refused_for_want_of_login(result, result.exit_code, result.stderr, env["ITC_API_URL"])
        assert result.stdout == "", args
    assert_contacted_nothing(listener)


def test_the_installed_itc_record_command_refuses_without_login(listener: socket.socket, tmp_path: Path) -> None:
    """The console script's light path (`itc.cli.entry`) takes the same refusal."""
    script = shutil.which("itc", path=str(Path(sys.executable).parent)) or shutil.which("itc")
    assert script is not None, "the itc console script is not installed"
    env = {**os.environ, **no_login_env(listener, tmp_path)}
    completed = subprocess.run(
        [script, *STAFF_COMMANDS[1]], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert_refused_for_want_of_login(completed, completed.returncode, completed.stderr, env["ITC_API_URL"])
    assert_contacted_nothing(listener)


def test_administrative_commands_say_they_need_temporal_or_the_database() -> None:
    """They run on the operator's machine, never through the API: their help says so."""
    for args in (
        ["dev"],
        ["demo"],
        ["migrate"],
        ["rebuild-projections"],
        ["simulate"],
        ["keys"],
        ["users", "bootstrap"],
    ):
        result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "200"}, terminal_width=200)
        assert result.exit_code == 0, result.output
        flat = " ".join(result.stdout.split())
        assert "directly: run it on the operator's machine" in flat, args
