"""Dashboard sessions: a random cookie value whose digest is kept, ended by signing out, by
being idle too long, or by growing older than a working day (21 CFR 11.300(d))."""

from __future__ import annotations

import asyncpg

from itc.people.access_log import AccessKind, Channel, log_access
from itc.people.accounts import Accounts
from itc.people.models import Person
from itc.people.secrets_digest import digest, new_secret


class Sessions:
    def __init__(self, pool: asyncpg.Pool, accounts: Accounts, *, idle_minutes: int, max_hours: int) -> None:
        self._pool = pool
        self._accounts = accounts
        self._idle_minutes = idle_minutes
        self._max_hours = max_hours

    async def start(self, person: Person, channel: Channel = Channel.DASHBOARD) -> str:
        """The session's cookie value; only its digest is stored."""
        secret = new_secret()
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO dashboard_sessions (session_hash, person_id) VALUES ($1, $2)", digest(secret),
                person.person_id,
            )  # fmt: skip
            await log_access(
                conn, AccessKind.SIGNED_IN, person_id=person.person_id, actor_id=person.person_id, channel=channel
            )
        return secret

    async def person_for(self, secret: str) -> Person | None:
        """The session's person, touching it; None once it has ended or expired."""
        person_id = await self._pool.fetchval(
            "UPDATE dashboard_sessions SET last_seen_at = now() "
            "WHERE session_hash = $1 AND ended_at IS NULL "
            "AND last_seen_at > now() - make_interval(mins => $2) "
            "AND started_at > now() - make_interval(hours => $3) RETURNING person_id",
            digest(secret), self._idle_minutes, self._max_hours,
        )  # fmt: skip
        if person_id is None:
            return None
        person = await self._accounts.get(person_id)
        return person if person is not None and not person.disabled and not person.locked else None

    async def end(self, secret: str, channel: Channel = Channel.DASHBOARD) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            person_id = await conn.fetchval(
                "UPDATE dashboard_sessions SET ended_at = now() WHERE session_hash = $1 AND ended_at IS NULL "
                "RETURNING person_id",
                digest(secret),
            )
            if person_id is not None:
                await log_access(conn, AccessKind.SIGNED_OUT, person_id=person_id, actor_id=person_id, channel=channel)

    async def holder_of(self, secret: str) -> str | None:
        """The live session's person, without counting this as activity."""
        person_id: str | None = await self._pool.fetchval(
            "SELECT person_id FROM dashboard_sessions WHERE session_hash = $1 AND ended_at IS NULL "
            "AND last_seen_at > now() - make_interval(mins => $2) "
            "AND started_at > now() - make_interval(hours => $3)",
            digest(secret), self._idle_minutes, self._max_hours,
        )  # fmt: skip
        return person_id
