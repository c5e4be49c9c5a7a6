"""When and in which run a core call happens: passed in by the shell, never read from a clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Moment:
    now: datetime
    workflow_id: str
    run_id: str
    # The rule changes this journey has adopted (`itc.journey.amendments`) for this call.
    amendments: frozenset[str] = field(default_factory=frozenset)
