"""Personal API tokens: issued to one person, with an expiry, revocable, stored as a digest.
The token a person holds reads `itc_<token id>_<secret>`; the ID finds the row, the secret's
digest is compared in constant time."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta

import asyncpg
from pydantic import BaseModel

from itc.base.errors import UserFacingError
from itc.people.access_log import AccessKind, Channel, log_access
from itc.people.accounts import Accounts
from itc.people.models import Person
from itc.people.secrets_digest import digest, new_secret

_TOKEN = re.compile(r"^itc_([0-9a-f]{16})_([A-Za-z0-9_-]{20,})$")
INVALID_TOKEN = "Unknown, expired or revoked token: sign in again (`itc login`) for a new one."


class TokenRefused(UserFacingError):
    pass


class IssuedToken(BaseModel):
    token_id: str
    person_id: str
    label: str
    issued_at: datetime
    expires_at: datetime
    revoked: bool


class Tokens:
    def __init__(self, pool: asyncpg.Pool, accounts: Accounts) -> None:
        self._pool = pool
        self._accounts = accounts

    async def issue(
        self, person_id: str, *, label: str, days: int, actor_id: str, channel: Channel
    ) -> tuple[str, IssuedToken]:
        """The token (shown once, never stored) and its record."""
        return await self._store(secrets.token_hex(8), new_secret(), person_id, label, days, actor_id, channel)

    async def install_known(
        self, token: str, person_id: str, *, label: str, days: int, actor_id: str, channel: Channel
    ) -> IssuedToken | None:
        """Register a token whose value is already public: the test suite's and `itc demo`'s
        fixed tokens, so examples can name them. Never for real people. None if already there."""
        match = _TOKEN.fullmatch(token)
        if match is None:
            raise ValueError("a token reads itc_<16 hex digits>_<secret of 20 or more characters>")
        if await self._pool.fetchval("SELECT 1 FROM personal_tokens WHERE token_id = $1", match.group(1)):
            return None
        token_id, secret = match.groups()
        _, issued = await self._store(token_id, secret, person_id, label, days, actor_id, channel)
        return issued

    async def _store(
        self, token_id: str, secret: str, person_id: str, label: str, days: int, actor_id: str, channel: Channel
    ) -> tuple[str, IssuedToken]:
        expires_at = datetime.now(UTC) + timedelta(days=days)
        async with self._pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "INSERT INTO personal_tokens (token_id, person_id, secret_hash, label, expires_at) "
                "VALUES ($1, $2, $3, $4, $5) RETURNING token_id, person_id, label, issued_at, expires_at, "
                "revoked_at IS NOT NULL AS revoked",
                token_id, person_id, digest(secret), label, expires_at,
            )  # fmt: skip
            await log_access(
                conn, AccessKind.TOKEN_ISSUED, person_id=person_id, actor_id=actor_id, channel=channel,
                detail={"token_id": token_id, "expires_at": expires_at.isoformat()},
            )  # fmt: skip
        return f"itc_{token_id}_{secret}", IssuedToken.model_validate(dict(row))

    async def revoke(self, token_id: str, *, actor_id: str, channel: Channel) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            person_id = await conn.fetchval(
                "UPDATE personal_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE token_id = $1 "
                "RETURNING person_id",
                token_id,
            )
            if person_id is None:
                raise TokenRefused(f"No token {token_id!r}.")
            await log_access(
                conn, AccessKind.TOKEN_REVOKED, person_id=person_id, actor_id=actor_id, channel=channel,
                detail={"token_id": token_id},
            )  # fmt: skip

    async def of(self, person_id: str) -> list[IssuedToken]:
        rows = await self._pool.fetch(
            "SELECT token_id, person_id, label, issued_at, expires_at, revoked_at IS NOT NULL AS revoked "
            "FROM personal_tokens WHERE person_id = $1 ORDER BY issued_at",
            person_id,
        )
        return [IssuedToken.model_validate(dict(row)) for row in rows]

    async def person_for(self, token: str) -> tuple[Person, str]:
        """The token's holder and the token's ID, or TokenRefused."""
        match = _TOKEN.fullmatch(token.strip())
        if match is None:
            raise TokenRefused(INVALID_TOKEN)
        token_id, secret = match.groups()
        row = await self._pool.fetchrow(
            "SELECT person_id, secret_hash FROM personal_tokens "
            "WHERE token_id = $1 AND revoked_at IS NULL AND expires_at > now()",
            token_id,
        )
        if row is None or not hmac.compare_digest(row["secret_hash"], digest(secret)):
            raise TokenRefused(INVALID_TOKEN)
        person = await self._accounts.get(row["person_id"])
        if person is None or person.disabled or person.locked:
            raise TokenRefused(INVALID_TOKEN)
        return person, token_id
