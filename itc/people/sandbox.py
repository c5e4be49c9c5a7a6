"""The dev stack's sandbox accounts: `itc dev` (a sandbox, never production) creates the demo's
published accounts and keeps their password in a 0600 file under the data directory, so a script
on the operator's machine signs in without typing it (`itc login --password-file`)."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from itc.base.private_files import create_private_file, ensure_private
from itc.people.demo import DEMO_PASSWORD, ensure_demo_people

SANDBOX_PASSWORD_FILE = "sandbox-password"


def sandbox_password_file(data_dir: Path) -> Path:
    return data_dir / SANDBOX_PASSWORD_FILE


async def ensure_sandbox_accounts(pool: asyncpg.Pool, data_dir: Path) -> Path:
    """Create the accounts (once per database) and the password file; the file's path."""
    await ensure_demo_people(pool)
    path = sandbox_password_file(data_dir)
    if not create_private_file(path, f"{DEMO_PASSWORD}\n"):
        ensure_private(path, "sandbox password file")
    return path
