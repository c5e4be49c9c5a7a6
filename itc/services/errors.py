"""Errors a service raises when retrying cannot help.

Anything else (connection errors, 5xx, timeouts) is left as an ordinary
exception so Temporal's retry policy keeps trying.
"""

from __future__ import annotations


class NoCapacityError(Exception):
    """No day in the requested window has a free slot; a human must widen the window or add capacity."""


class IdempotencyConflict(Exception):
    """A request reused an idempotency key with other content: a bug in the caller, not a retry."""


class ExternalServiceRejected(Exception):
    """An external system refused the request (a 4xx); sending it again would be refused again."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class ExternalServiceUnavailable(Exception):
    """A transient failure of an external system (5xx, 408, 429); safe to retry."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
