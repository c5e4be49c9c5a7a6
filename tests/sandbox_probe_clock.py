"""A helper that reads the wall clock: what a workflow module must never do."""

from __future__ import annotations

from datetime import UTC, datetime


def days_until(moment: datetime) -> int:
    return (moment - datetime.now(UTC)).days
