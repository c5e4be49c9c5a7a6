"""Files holding PHI or secrets are 0600 (issue 12, L3), on the real dev server and the real CLI.

HIPAA Security Rule 45 CFR 164.312(a)(1) (access control) and 21 CFR 11.10(d) (limiting system
access to authorised individuals): the dev server's history store and log, the payload keyring
(also after `itc keys rotate`) and the database password files are readable
by their owner only. A file found wider is tightened with a warning; one that cannot be tightened
is refused.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from structlog.testing import capture_logs
from typer.testing import CliRunner

from itc.base.private_files import FileTooOpen, ensure_private
from itc.base.settings import Settings
from itc.cli.main import app
from itc.crypto.keyring import Keyring, create_dev_keyring, read_keyring_file, write_keyring_file
from itc.runtime.devstack import free_port, temporal_dev_server


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def server_file_modes(folder: Path) -> dict[str, int]:
    """The dev server's files and their modes; a rollback journal may vanish while being listed."""
    modes = {}
    for path in folder.iterdir():
        if path.name.startswith("temporal."):
            try:
                modes[path.name] = mode(path)
            except FileNotFoundError:
                continue
    return modes


def warned(logs: list[dict[str, object]], path: Path) -> bool:
    return any(entry.get("log_level") == "warning" and entry.get("path") == str(path) for entry in logs)


@pytest.mark.slow  # starts a Temporal dev server of its own
async def test_the_dev_servers_history_store_and_log_are_private(tmp_path: Path) -> None:
    """The history store holds every journey; an older, wider log is tightened with a warning."""
    old_log = tmp_path / "temporal.log"
    old_log.write_text("from an older run\n")
    old_log.chmod(0o644)
    settings = Settings(
        temporal_address=None,
        database_url=None,
        itc_data_dir=tmp_path,
        dev_temporal_port=free_port(),
        dev_ui_port=free_port(),
    )
    with capture_logs() as logs:
        async with temporal_dev_server(settings, tmp_path):
            running = server_file_modes(tmp_path)
            assert {"temporal.db", "temporal.log"} <= set(running)
            assert running == dict.fromkeys(running, 0o600), {name: f"{m:o}" for name, m in running.items()}
    assert warned(logs, old_log)
    stopped = server_file_modes(tmp_path)
    assert stopped == dict.fromkeys(stopped, 0o600), {name: f"{m:o}" for name, m in stopped.items()}


def test_a_new_keyring_is_private(tmp_path: Path) -> None:
    path = tmp_path / "codec-keys.json"
    create_dev_keyring(path)
    assert mode(path) == 0o600


def test_keys_rotate_leaves_a_wider_keyring_private(tmp_path: Path) -> None:
    path = tmp_path / "codec-keys.json"
    write_keyring_file(path, Keyring.generate(), replace=False)
    path.chmod(0o644)
    result = CliRunner().invoke(app, ["keys", "rotate"], env={"ITC_CODEC_KEYS_FILE": str(path), "ITC_CODEC_KEYS": ""})
    assert result.exit_code == 0, result.output
    assert mode(path) == 0o600
    assert len(read_keyring_file(path).keys) == 2
    # The CLI logs to stderr, where the operator sees that the file was wider.
    assert "payload keyring was readable by other users" in result.stderr


def test_a_wider_keyring_is_tightened_when_read(tmp_path: Path) -> None:
    path = tmp_path / "codec-keys.json"
    write_keyring_file(path, Keyring.generate(), replace=False)
    path.chmod(0o640)
    with capture_logs() as logs:
        read_keyring_file(path)
    assert mode(path) == 0o600 and warned(logs, path)


def test_a_file_that_cannot_be_tightened_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As for another user's file or a read-only mount: chmod fails, so the secret is refused.
    (The suite runs as the file's owner, so the refusal of chmod is the one thing simulated.)"""
    path = tmp_path / "codec-keys.json"
    path.write_text("{}")
    path.chmod(0o644)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chmod", refuse)
    with pytest.raises(FileTooOpen, match="readable by other users"):
        ensure_private(path, "payload keyring")
