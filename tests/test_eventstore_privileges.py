"""Least privilege on the real embedded PostgreSQL (issue 12, M3).

The engine (worker, API, dashboard) connects as `itc_engine`, which may append to and read the
permanent record and write the read model, and nothing else; migrations run as `itc_owner`.
Every attempt below to rewrite or unprotect the record is what an attacker holding the
engine's DATABASE_URL would try first. The record's requirements are those of 21 CFR 11.10(e)
(secure, computer-generated audit trails that do not obscure previously recorded information)
and ICH E6(R3) 4.2 (audit trails that cannot be altered).
"""

from __future__ import annotations

import re
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from eventstore_samples import completed_journey

from itc.base.settings import Settings
from itc.eventstore.database import create_pool
from itc.eventstore.migrate import privileges_sql
from itc.eventstore.store import EventStore
from itc.models.activity_inputs import AppendEventsResult
from itc.runtime.database import SuperuserRefused, open_engine_pool
from itc.runtime.database_roles import EmbeddedDatabase, passwords_dir, with_role
from itc.runtime.devstack import apply_migrations, embedded_postgres

# The module starts a PostgreSQL server of its own.
pytestmark = pytest.mark.slow


@dataclass
class Roles:
    database: EmbeddedDatabase
    data_dir: Path


@pytest.fixture(scope="module")
async def roles(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Roles]:
    data_dir = tmp_path_factory.mktemp("itc-roles")
    settings = Settings(temporal_address=None, database_url=None, itc_data_dir=data_dir)
    async with embedded_postgres(settings) as database:
        await apply_migrations(database.owner_url)
        engine = await create_pool(database.engine_url, min_size=1, max_size=2)
        try:
            # The record holds a participant's first events before anyone tries anything.
            await EventStore(engine).append(completed_journey("PRIV-001")[:3])
        finally:
            await engine.close()
        yield Roles(database, data_dir)


@pytest.fixture
async def engine(roles: Roles) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(roles.database.engine_url)
    try:
        yield conn
    finally:
        await conn.close()


async def _record(roles: Roles) -> list[tuple[int, str, str]]:
    conn = await asyncpg.connect(roles.database.owner_url)
    try:
        rows = await conn.fetch(
            "SELECT sequence, type, payload::text AS payload FROM journey_events WHERE participant_id = 'PRIV-001'"
            " ORDER BY sequence"
        )
    finally:
        await conn.close()
    return [(row["sequence"], row["type"], row["payload"]) for row in rows]


# Each statement is refused by PostgreSQL's privilege checks (SQLSTATE 42501) for the engine.
ESCALATIONS = {
    "update": "UPDATE journey_events SET type = 'Forged' WHERE participant_id = 'PRIV-001'",
    "delete": "DELETE FROM journey_events WHERE participant_id = 'PRIV-001'",
    "truncate": "TRUNCATE journey_events",
    "alter_table": "ALTER TABLE journey_events ADD COLUMN forged text",
    "disable_trigger": "ALTER TABLE journey_events DISABLE TRIGGER journey_events_no_update_delete",
    "drop_trigger": "DROP TRIGGER journey_events_no_update_delete ON journey_events",
    "replace_trigger_function": (
        "CREATE OR REPLACE FUNCTION journey_events_forbid_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$"
    ),
    "session_replication_role": "SET session_replication_role = replica",
    "read_model_delete": "DELETE FROM participant_status",
}


@pytest.mark.parametrize("name", sorted(ESCALATIONS))
async def test_the_engine_role_cannot_rewrite_or_unprotect_the_record(
    roles: Roles, engine: asyncpg.Connection, name: str
) -> None:
    """21 CFR 11.10(e), ICH E6(R3) 4.2: the audit trail cannot be altered by the engine's role."""
    before = await _record(roles)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await engine.execute(ESCALATIONS[name])
    assert await _record(roles) == before


async def test_the_engine_role_cannot_grant_itself_more(roles: Roles, engine: asyncpg.Connection) -> None:
    """PostgreSQL answers a GRANT by a role without grant option with a warning only; what matters
    is that the engine's role still may not change the record afterwards."""
    await engine.execute("GRANT UPDATE, DELETE ON journey_events TO itc_engine")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await engine.execute(ESCALATIONS["update"])


async def test_the_engine_role_appends_and_reads(roles: Roles) -> None:
    pool = await create_pool(roles.database.engine_url, min_size=1, max_size=2)
    try:
        store = EventStore(pool)
        journey = completed_journey("PRIV-002")
        assert await store.append(journey[:4]) == AppendEventsResult(inserted=4, already_present=0)
        assert await store.events_for("PRIV-002") == journey[:4]
        status = await store.status("PRIV-002")
        assert status is not None and status["last_sequence"] == 4
    finally:
        await pool.close()


async def test_the_engine_role_holds_no_role_attributes(engine: asyncpg.Connection) -> None:
    row = await engine.fetchrow(
        "SELECT current_user AS name, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication"
        " FROM pg_roles WHERE rolname = current_user"
    )
    assert row["name"] == "itc_engine"
    assert not any(row[flag] for flag in ("rolsuper", "rolcreaterole", "rolcreatedb", "rolbypassrls", "rolreplication"))
    owns = await engine.fetchval(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user"
    )
    assert owns == 0


async def test_the_owner_is_held_by_the_triggers_in_every_replication_mode(roles: Roles) -> None:
    """Defence in depth: even the owner, and even a session in replica mode (which skips ordinary
    triggers), cannot change a stored event."""
    conn = await asyncpg.connect(roles.database.superuser_url.replace("/postgres?", "/itc?"))
    try:
        before = await _record(roles)
        await conn.execute("SET session_replication_role = replica")
        with pytest.raises(asyncpg.RestrictViolationError):
            await conn.execute("UPDATE journey_events SET type = 'Forged' WHERE participant_id = 'PRIV-001'")
        with pytest.raises(asyncpg.RestrictViolationError):
            await conn.execute("DELETE FROM journey_events WHERE participant_id = 'PRIV-001'")
        assert await _record(roles) == before
    finally:
        await conn.close()


async def test_the_worker_refuses_a_superuser_url(roles: Roles) -> None:
    with pytest.raises(SuperuserRefused, match="superuser"):
        await open_engine_pool(roles.database.superuser_url)
    pool = await open_engine_pool(roles.database.engine_url)
    await pool.close()


async def test_every_role_needs_its_password(roles: Roles) -> None:
    """The embedded server trusts no one: a URL without the role's password is refused, the
    superuser's included."""
    for url in (roles.database.engine_url, roles.database.owner_url, roles.database.superuser_url):
        user = re.match(r"postgresql://([^:]+):", url)
        assert user is not None
        for password in ("", "wrong"):
            with pytest.raises(asyncpg.InvalidPasswordError):
                await asyncpg.connect(with_role(url, user.group(1), password))


def test_password_files_are_private(roles: Roles) -> None:
    folder = passwords_dir(roles.data_dir)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = sorted(folder.iterdir())
    assert [f.name for f in files] == ["itc_engine.password", "itc_owner.password", "postgres.password"]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


async def test_every_table_has_its_grants_in_privileges_sql(engine: asyncpg.Connection) -> None:
    """The rule for new tables: privileges.sql names each one, so no table is forgotten."""
    tables = {
        row["tablename"] for row in await engine.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    }
    named = set(re.findall(r"\bON\s+(\w+)\s+TO\s+itc_engine", privileges_sql()))
    assert tables - named == set(), "tables without a line in itc/eventstore/privileges.sql"
