"""Accounts in PostgreSQL: creation, roles and sites, disabling, password reset, optional
TOTP, and password checks that lock an account after repeated failures. Every change and
every sign-in, failed or not, joins the access log in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
import pyotp

from itc.base.errors import InvalidInput, UserFacingError
from itc.people.access_log import AccessKind, Channel, log_access
from itc.people.models import AddPersonInput, Person
from itc.people.passwords import hash_password, policy_problems, verify_password


class SignInRefused(UserFacingError):
    """Wrong person ID, password or code; the message never says which."""


class AccountUnusable(UserFacingError):
    """The account is locked or disabled."""


class UnknownPerson(UserFacingError):
    pass


WRONG_CREDENTIALS = "Wrong person ID, password or code."
LOCKED = "This account is locked after repeated failed attempts; an administrator must reset its password."
DISABLED = "This account is disabled."

_COLUMNS = "person_id, full_name, roles, sites, password_hash, totp_secret, failed_attempts, locked_at, disabled_at, created_at"


@dataclass(frozen=True)
class _Row:
    person: Person
    password_hash: str | None
    totp_secret: str | None
    failed_attempts: int


def _row(record: asyncpg.Record) -> _Row:
    person = Person(
        person_id=record["person_id"],
        full_name=record["full_name"],
        roles=list(record["roles"]),
        sites=list(record["sites"]),
        disabled=record["disabled_at"] is not None,
        locked=record["locked_at"] is not None,
        totp_enrolled=record["totp_secret"] is not None,
        created_at=record["created_at"],
    )
    return _Row(person, record["password_hash"], record["totp_secret"], record["failed_attempts"])


def check_password_policy(password: str, person_id: str, full_name: str = "") -> None:
    problems = policy_problems(password, person_id, full_name)
    if problems:
        raise InvalidInput("The password does not meet the policy", lines=problems)


class Accounts:
    def __init__(self, pool: asyncpg.Pool, *, lockout_failures: int) -> None:
        self._pool = pool
        self._lockout_failures = lockout_failures

    async def get(self, person_id: str) -> Person | None:
        record = await self._pool.fetchrow(f"SELECT {_COLUMNS} FROM people_accounts WHERE person_id = $1", person_id)
        return _row(record).person if record else None

    async def require(self, person_id: str) -> Person:
        person = await self.get(person_id)
        if person is None:
            raise UnknownPerson(f"No account {person_id!r}.")
        return person

    async def all(self) -> list[Person]:
        records = await self._pool.fetch(f"SELECT {_COLUMNS} FROM people_accounts ORDER BY person_id")
        return [_row(record).person for record in records]

    async def has_administrator(self) -> bool:
        return bool(
            await self._pool.fetchval(
                "SELECT EXISTS (SELECT 1 FROM people_accounts WHERE 'administrator' = ANY(roles) AND disabled_at IS NULL)"
            )
        )

    async def add(self, data: AddPersonInput, *, actor_id: str, channel: Channel) -> Person:
        password_hash = None
        if data.password is not None:
            check_password_policy(data.password, data.person_id, data.full_name)
            password_hash = hash_password(data.password)
        async with self._pool.acquire() as conn, conn.transaction():
            inserted = await conn.fetchval(
                "INSERT INTO people_accounts (person_id, full_name, roles, sites, password_hash, password_changed_at) "
                "VALUES ($1, $2, $3, $4, $5, CASE WHEN $5::text IS NULL THEN NULL ELSE now() END) "
                "ON CONFLICT (person_id) DO NOTHING RETURNING person_id",
                data.person_id, data.full_name, data.roles, data.sites, password_hash,
            )  # fmt: skip
            if inserted is None:
                raise InvalidInput(f"An account {data.person_id!r} already exists; person IDs are never reused.")
            await log_access(
                conn, AccessKind.ACCOUNT_CREATED, person_id=data.person_id, actor_id=actor_id, channel=channel,
                detail={"roles": data.roles, "sites": data.sites},
            )  # fmt: skip
        return await self.require(data.person_id)

    async def _change(
        self, person_id: str, sql: str, args: tuple[Any, ...], kind: AccessKind, actor_id: str, channel: Channel,
        detail: dict[str, Any],
    ) -> Person:  # fmt: skip
        async with self._pool.acquire() as conn, conn.transaction():
            changed = await conn.fetchval(sql, person_id, *args)
            if changed is None:
                raise UnknownPerson(f"No account {person_id!r}.")
            await log_access(conn, kind, person_id=person_id, actor_id=actor_id, channel=channel, detail=detail)
        return await self.require(person_id)

    async def disable(self, person_id: str, *, actor_id: str, channel: Channel) -> Person:
        sql = "UPDATE people_accounts SET disabled_at = coalesce(disabled_at, now()) WHERE person_id = $1 RETURNING 1"
        person = await self._change(person_id, sql, (), AccessKind.ACCOUNT_DISABLED, actor_id, channel, {})
        await self._pool.execute(
            "UPDATE personal_tokens SET revoked_at = now() WHERE person_id = $1 AND revoked_at IS NULL", person_id
        )
        await self._pool.execute(
            "UPDATE dashboard_sessions SET ended_at = now() WHERE person_id = $1 AND ended_at IS NULL", person_id
        )
        return person

    async def set_roles(self, person_id: str, roles: list[str], *, actor_id: str, channel: Channel) -> Person:
        before = await self.require(person_id)
        sql = "UPDATE people_accounts SET roles = $2 WHERE person_id = $1 RETURNING 1"
        detail = {"before": before.roles, "after": roles}
        return await self._change(person_id, sql, (roles,), AccessKind.ROLES_CHANGED, actor_id, channel, detail)

    async def set_sites(self, person_id: str, sites: list[str], *, actor_id: str, channel: Channel) -> Person:
        before = await self.require(person_id)
        sql = "UPDATE people_accounts SET sites = $2 WHERE person_id = $1 RETURNING 1"
        detail = {"before": before.sites, "after": sites}
        return await self._change(person_id, sql, (sites,), AccessKind.SITES_CHANGED, actor_id, channel, detail)

    async def reset_password(self, person_id: str, password: str, *, actor_id: str, channel: Channel) -> Person:
        """A new password, which also lifts a lockout."""
        person = await self.require(person_id)
        check_password_policy(password, person_id, person.full_name)
        sql = (
            "UPDATE people_accounts SET password_hash = $2, password_changed_at = now(), failed_attempts = 0, "
            "locked_at = NULL WHERE person_id = $1 RETURNING 1"
        )
        args = (hash_password(password),)
        return await self._change(person_id, sql, args, AccessKind.PASSWORD_RESET, actor_id, channel, {})

    async def enroll_totp(self, person_id: str, *, actor_id: str, channel: Channel) -> str:
        """A new TOTP secret (RFC 6238); the person adds it to their authenticator app."""
        secret = pyotp.random_base32()
        sql = "UPDATE people_accounts SET totp_secret = $2 WHERE person_id = $1 RETURNING 1"
        await self._change(person_id, sql, (secret,), AccessKind.TOTP_ENROLLED, actor_id, channel, {})
        return secret

    async def sync_from_provider(self, person_id: str, full_name: str, roles: list[str], sites: list[str]) -> Person:
        """The account of a person the OIDC provider vouched for: created on first sign-in
        (without a password), its roles and sites kept as the provider's claims say."""
        person = await self.get(person_id)
        if person is None:
            data = AddPersonInput(person_id=person_id, full_name=full_name, roles=roles, sites=sites)
            return await self.add(data, actor_id="oidc", channel=Channel.OIDC)
        if person.disabled:
            raise AccountUnusable(DISABLED)
        if person.roles != roles:
            person = await self.set_roles(person_id, roles, actor_id="oidc", channel=Channel.OIDC)
        if person.sites != sites:
            person = await self.set_sites(person_id, sites, actor_id="oidc", channel=Channel.OIDC)
        return person

    async def authenticate(
        self,
        person_id: str,
        password: str,
        *,
        totp_code: str | None = None,
        channel: Channel,
        failure_kind: AccessKind = AccessKind.SIGN_IN_FAILED,
        detail: dict[str, Any] | None = None,
    ) -> Person:
        """The person, if the password (and the TOTP code, once enrolled) is right. Each failure
        counts towards the lockout and is logged as `failure_kind`."""
        # The failure is logged and counted in a transaction that commits; the refusal is raised after it.
        async with self._pool.acquire() as conn, conn.transaction():
            outcome = await self._check(conn, person_id, password, totp_code, channel, failure_kind, detail or {})
        if isinstance(outcome, UserFacingError):
            raise outcome
        return outcome

    async def _check(
        self, conn: asyncpg.Connection, person_id: str, password: str, totp_code: str | None, channel: Channel,
        failure_kind: AccessKind, detail: dict[str, Any],
    ) -> Person | UserFacingError:  # fmt: skip
        record = await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM people_accounts WHERE person_id = $1 FOR UPDATE", person_id
        )
        row = _row(record) if record else None
        # Verified even for an unknown account, so the time taken does not say whether it exists.
        password_ok = verify_password(row.password_hash if row else None, password)

        async def failed(why: str, about: str | None, **extra: Any) -> None:
            await log_access(
                conn, failure_kind, person_id=about, actor_id=person_id, channel=channel,
                detail={**detail, "why": why, **extra},
            )  # fmt: skip

        if row is None:
            await failed("unknown account", None)
            return SignInRefused(WRONG_CREDENTIALS)
        if row.person.disabled:
            await failed("disabled", person_id)
            return AccountUnusable(DISABLED)
        if row.person.locked:
            await failed("locked", person_id)
            return AccountUnusable(LOCKED)
        code_ok = row.totp_secret is None or (
            totp_code is not None and pyotp.TOTP(row.totp_secret).verify(totp_code.strip(), valid_window=1)
        )
        if password_ok and code_ok:
            await conn.execute("UPDATE people_accounts SET failed_attempts = 0 WHERE person_id = $1", person_id)
            return row.person
        failures = row.failed_attempts + 1
        locks = failures >= self._lockout_failures
        await conn.execute(
            "UPDATE people_accounts SET failed_attempts = $2, locked_at = CASE WHEN $3 THEN now() END "
            "WHERE person_id = $1",
            person_id, failures, locks,
        )  # fmt: skip
        await failed("wrong password" if not password_ok else "wrong second-factor code", person_id, failures=failures)
        if locks:
            await log_access(
                conn, AccessKind.LOCKED, person_id=person_id, actor_id=person_id, channel=channel,
                detail={"failures": failures},
            )  # fmt: skip
            return AccountUnusable(LOCKED)
        return SignInRefused(WRONG_CREDENTIALS)
