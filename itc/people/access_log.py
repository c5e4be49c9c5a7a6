"""The access log (ICH E6(R3) 4.2.2): append-only, like the event store. Entries say who
acted, on whose account, when and through which channel; never a password, token or PHI."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg
from pydantic import BaseModel


class AccessKind(StrEnum):
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_DISABLED = "account_disabled"
    ROLES_CHANGED = "roles_changed"
    SITES_CHANGED = "sites_changed"
    PASSWORD_RESET = "password_reset"
    TOTP_ENROLLED = "totp_enrolled"
    SIGNED_IN = "signed_in"
    SIGNED_OUT = "signed_out"
    SIGN_IN_FAILED = "sign_in_failed"
    LOCKED = "locked"
    TOKEN_ISSUED = "token_issued"
    TOKEN_REVOKED = "token_revoked"
    SIGNED = "signed"
    SIGNATURE_FAILED = "signature_failed"


class Channel(StrEnum):
    API = "api"
    DASHBOARD = "dashboard"
    OIDC = "oidc"
    BOOTSTRAP = "bootstrap"


class AccessEntry(BaseModel):
    entry_id: int
    occurred_at: datetime
    kind: AccessKind
    person_id: str | None
    actor_id: str
    channel: Channel
    detail: dict[str, Any]


_INSERT = """
INSERT INTO access_log (kind, person_id, actor_id, channel, detail) VALUES ($1, $2, $3, $4, $5)
"""
_SELECT = """
SELECT entry_id, occurred_at, kind, person_id, actor_id, channel, detail FROM access_log
WHERE ($1::text IS NULL OR person_id = $1 OR actor_id = $1)
  AND ($2::text IS NULL OR kind = $2)
  AND ($3::timestamptz IS NULL OR occurred_at >= $3)
  AND ($4::timestamptz IS NULL OR occurred_at < $4)
ORDER BY entry_id DESC
LIMIT $5
"""


async def log_access(
    conn: asyncpg.Connection | asyncpg.Pool,
    kind: AccessKind,
    *,
    person_id: str | None,
    actor_id: str,
    channel: Channel,
    detail: dict[str, Any] | None = None,
) -> None:
    await conn.execute(_INSERT, kind.value, person_id, actor_id, channel.value, detail or {})


async def read_access_log(
    pool: asyncpg.Pool,
    *,
    person_id: str | None = None,
    kind: AccessKind | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
) -> list[AccessEntry]:
    """Newest first; `person_id` matches the account an entry is about or who acted."""
    rows = await pool.fetch(_SELECT, person_id, kind.value if kind else None, since, until, limit)
    return [AccessEntry.model_validate(dict(row)) for row in rows]
