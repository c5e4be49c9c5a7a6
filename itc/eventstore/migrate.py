"""Apply eventstore/migrations/NNN_name.sql in name order, each exactly once, then privileges.sql."""

from __future__ import annotations

import hashlib
from importlib import resources

import asyncpg

from itc.eventstore.roles import ENGINE_ROLE

# One fixed key so two workers starting together do not race to apply the same file.
_MIGRATION_LOCK_KEY = 0x17C0_0001

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    name        text        PRIMARY KEY,
    checksum    text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""
_LOCK = "SELECT pg_advisory_xact_lock($1)"
_APPLIED = "SELECT name, checksum FROM schema_migrations"
_RECORD = "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)"


class MigrationChecksumMismatch(RuntimeError):
    """An already-applied migration file was edited; add a new migration instead."""


class EngineRoleMissing(RuntimeError):
    """The engine's role does not exist and the migrating role may not create it."""


def migration_files() -> list[tuple[str, str]]:
    """(name, sql) for every bundled migration, in the order they must run."""
    folder = resources.files("itc.eventstore") / "migrations"
    files = sorted((entry for entry in folder.iterdir() if entry.name.endswith(".sql")), key=lambda entry: entry.name)
    return [(entry.name.removesuffix(".sql"), entry.read_text(encoding="utf-8")) for entry in files]


def privileges_sql() -> str:
    return (resources.files("itc.eventstore") / "privileges.sql").read_text(encoding="utf-8")


def _checksum(sql: str) -> str:
    return hashlib.sha256(sql.encode("utf-8")).hexdigest()


async def apply_migrations(pool_or_conn: asyncpg.Pool | asyncpg.Connection) -> list[str]:
    """Apply pending migrations, each in its own transaction; return the names applied now."""
    if isinstance(pool_or_conn, asyncpg.Pool):
        async with pool_or_conn.acquire() as conn:
            return await _apply(conn)
    return await _apply(pool_or_conn)


async def _apply(conn: asyncpg.Connection) -> list[str]:
    async with conn.transaction():
        await conn.execute(_LOCK, _MIGRATION_LOCK_KEY)
        await conn.execute(_CREATE_LEDGER)

    applied_now: list[str] = []
    for name, sql in migration_files():
        async with conn.transaction():
            await conn.execute(_LOCK, _MIGRATION_LOCK_KEY)
            # Re-read under the lock: another process may have applied it meanwhile.
            applied = {row["name"]: row["checksum"] for row in await conn.fetch(_APPLIED)}
            if name in applied:
                if applied[name] != _checksum(sql):
                    raise MigrationChecksumMismatch(
                        f"migration {name} changed after it was applied; write a new migration instead"
                    )
                continue
            await conn.execute(sql)
            await conn.execute(_RECORD, name, _checksum(sql))
            applied_now.append(name)
    async with conn.transaction():
        await conn.execute(_LOCK, _MIGRATION_LOCK_KEY)
        await _ensure_engine_role(conn)
        await conn.execute(privileges_sql())
    return applied_now


async def _ensure_engine_role(conn: asyncpg.Connection) -> None:
    """The grants need their grantee; a role only holding privileges is harmless to create."""
    if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", ENGINE_ROLE):
        return
    try:
        # A savepoint: a concurrent creator (another database on the same server) is not an error.
        async with conn.transaction():
            await conn.execute(f"CREATE ROLE {ENGINE_ROLE} NOLOGIN")
    except asyncpg.DuplicateObjectError:
        pass
    except asyncpg.InsufficientPrivilegeError as err:
        raise EngineRoleMissing(
            f"The database role {ENGINE_ROLE} does not exist and this role may not create it; "
            f"create it first (CREATE ROLE {ENGINE_ROLE} LOGIN PASSWORD '...') and migrate again"
        ) from err
