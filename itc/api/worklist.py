"""A site's worklist: every open journey's due actions, each placed against its window.

An action with a window (an infusion, a response scan, a toxicity check) is early before
the window opens, on time inside it, and missed once it has closed. An action with only a
deadline (a report, a screening visit) is on time until the deadline and late after it:
it still has to be done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from itc.api.cohort_view import DueItem, belongs_on_due_list, due_item
from itc.api.formatting import when
from itc.models.state import JourneyStatus

WEEK = timedelta(days=7)


class Timing(StrEnum):
    EARLY = "early"
    ON_TIME = "on time"
    LATE = "late"
    MISSED = "missed"


class Horizon(StrEnum):
    OVERDUE = "overdue"
    TODAY = "today"
    THIS_WEEK = "this week"
    LATER = "later"


def timing(item: DueItem, now: datetime) -> Timing:
    if item.window_start is not None and item.window_end is not None:
        if now < item.window_start:
            return Timing.EARLY
        return Timing.ON_TIME if now <= item.window_end else Timing.MISSED
    return Timing.ON_TIME if now <= item.due_at else Timing.LATE


@dataclass(frozen=True)
class WorkItem:
    item: DueItem
    site: str
    timing: Timing
    horizon: Horizon

    @property
    def participant_id(self) -> str:
        return self.item.participant_id

    @property
    def kind(self) -> str:
        return self.item.kind

    @property
    def window(self) -> str:
        """The window in words, or the deadline when there is no window."""
        if self.item.window_start is not None and self.item.window_end is not None:
            return f"{when(self.item.window_start)} – {when(self.item.window_end)}"
        return f"by {when(self.item.due_at)}"


def horizon(item: DueItem, now: datetime) -> Horizon:
    if item.overdue:
        return Horizon.OVERDUE
    today = now.astimezone(UTC).date()
    due_day = item.due_at.astimezone(UTC).date()
    # An action due earlier whose window is still open is due today as well.
    if due_day <= today:
        return Horizon.TODAY
    return Horizon.THIS_WEEK if item.due_at <= now + WEEK else Horizon.LATER


@dataclass(frozen=True)
class WorklistFilter:
    site: str = ""
    kind: str = ""
    timing: str = ""
    participant: str = ""
    # Beyond this week too: what is coming later (a screening visit two weeks out).
    later: bool = False

    def keeps(self, work: WorkItem) -> bool:
        return (
            (self.later or work.horizon is not Horizon.LATER)
            and (not self.site or work.site == self.site)
            and (not self.kind or work.kind == self.kind)
            and (not self.timing or work.timing.value == self.timing)
            and (not self.participant or self.participant.casefold() in work.participant_id.casefold())
        )


def worklist(statuses: dict[str, JourneyStatus | None], now: datetime) -> list[WorkItem]:
    """Every due action of the open journeys, soonest first."""
    items = [
        WorkItem(item, status.site, timing(item, now), horizon(item, now))
        for status in statuses.values()
        if status is not None and not status.stage.is_terminal
        for item in (due_item(status.participant_id, due, now) for due in status.next_due)
        if belongs_on_due_list(item)
    ]
    return sorted(items, key=lambda w: w.item.due_at)


@dataclass(frozen=True)
class Sections:
    overdue: list[WorkItem]
    today: list[WorkItem]
    this_week: list[WorkItem]
    later: list[WorkItem]


def sections(items: list[WorkItem]) -> Sections:
    def at(horizon: Horizon) -> list[WorkItem]:
        return [w for w in items if w.horizon is horizon]

    return Sections(at(Horizon.OVERDUE), at(Horizon.TODAY), at(Horizon.THIS_WEEK), at(Horizon.LATER))
