"""The trial page's manufacturing slots: the weeks ahead with reserved and free slots, and the queue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from itc.models.slots import WeekSlots
from itc.models.state import JourneyStatus

WEEKS_AHEAD = 8


@dataclass(frozen=True)
class Queued:
    participant_id: str
    since: datetime
    days: int


@dataclass(frozen=True)
class SlotView:
    weeks: list[WeekSlots]
    queue: list[Queued]


def build(weeks: list[WeekSlots], journeys: Mapping[str, JourneyStatus | None], now: datetime) -> SlotView:
    """Longest waiting first: the queue is served in that order as slots free."""
    queue = [
        Queued(pid, since, (now - since).days)
        for pid, status in journeys.items()
        if status is not None
        and not status.stage.is_terminal
        and (since := status.manufacturing_slot.queued_since) is not None
    ]
    return SlotView(weeks=weeks, queue=sorted(queue, key=lambda q: q.since))
