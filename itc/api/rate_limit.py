"""Per-person limits on writes: a token bucket for each person, whether they write with a
personal API token or through a dashboard session, checked before the body is read or the
request authorized, so refused requests count as much as accepted ones: a flood of refusals
would otherwise still reach the journey's audit trail.

Requests with no credential or an unknown one share one bucket per client address (so
inventing tokens earns no fresh buckets). Over the limit the answer is 429 with
`Retry-After`, the whole seconds until the bucket holds a write again.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from itc.api.errors import problem_response

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Buckets of keys that stopped writing are dropped once this many are held.
MAX_BUCKETS = 10_000


@dataclass
class Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """`burst` writes at once, refilled at `per_minute`; one bucket per key."""

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_minute / 60
        self.burst = burst
        self.clock = clock
        self.buckets: dict[str, Bucket] = {}

    def take(self, key: str) -> float:
        """Takes one write from the key's bucket: 0 if allowed, else the seconds to wait."""
        now = self.clock()
        bucket = self.buckets.get(key)
        if bucket is None:
            self._forget_idle(now)
            bucket = self.buckets[key] = Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.per_second

    def _forget_idle(self, now: float) -> None:
        if len(self.buckets) < MAX_BUCKETS:
            return
        full_after = self.burst / self.per_second
        self.buckets = {key: b for key, b in self.buckets.items() if now - b.updated < full_after}


class WriteRateLimit:
    def __init__(
        self,
        app: ASGIApp,
        per_minute: float,
        burst: int,
        holder: Callable[[str], Awaitable[str | None]],
        token_cookie: str,
    ) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute, burst)
        # Whose credential this is (a person ID), or None for an unknown one.
        self.holder = holder
        self.token_cookie = token_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            wait = self.buckets.take(await self._key(HTTPConnection(scope)))
            if wait > 0:
                retry_after = max(1, math.ceil(wait))
                response = problem_response(429, f"Too many writes with this token: try again in {retry_after} s.", [])
                response.headers["Retry-After"] = str(retry_after)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _key(self, connection: HTTPConnection) -> str:
        scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
        token = credentials.strip() if scheme.lower() == "bearer" else ""
        credential = token or connection.cookies.get(self.token_cookie, "")
        person_id = await self.holder(credential) if credential else None
        if person_id is not None:
            return "person:" + person_id
        return "client:" + (connection.client.host if connection.client else "unknown")


def credential_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
