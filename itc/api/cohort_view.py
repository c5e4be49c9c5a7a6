"""The cohort board and the due list, built from the read model and live journey status.

The read model answers "who is where" for every participant in one query; the live
status (one workflow query per open journey) adds what only the workflow knows: every
due action with its window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from itc.api.schemas import ParticipantSummary
from itc.models.enums import Stage
from itc.models.state import DueAction, JourneyStatus

WEEK = timedelta(days=7)

# What kind of work a due action is, in the words of the "due" page.
KINDS: dict[str, str] = {
    "infusion": "Infusion",
    "toxicity_check": "Toxicity check",
    "manufacturing_milestone": "Manufacturing milestone",
    "supervisor_decision": "Supervisor decision",
    "sae_report": "SAE report",
}
VISIT = "Visit"


@dataclass(frozen=True)
class DueItem:
    participant_id: str
    action: str
    label: str
    due_at: datetime
    window_start: datetime | None
    window_end: datetime | None
    overdue: bool

    @property
    def kind(self) -> str:
        return KINDS.get(self.action, VISIT)

    @property
    def closes_at(self) -> datetime:
        return self.window_end or self.due_at


@dataclass(frozen=True)
class BoardRow:
    summary: ParticipantSummary
    days_in_stage: int | None
    next_due: DueItem | None
    live: bool  # False: the journey did not answer, the row shows the read model only

    @property
    def ended(self) -> bool:
        return self.summary.stage is not None and Stage(self.summary.stage).is_terminal


def due_item(participant_id: str, due: DueAction, now: datetime) -> DueItem:
    closes = due.window_end or due.due_at
    return DueItem(
        participant_id=participant_id,
        action=due.action,
        label=due.label,
        due_at=due.due_at,
        window_start=due.window_start,
        window_end=due.window_end,
        overdue=now > closes,
    )


def is_open(summary: ParticipantSummary) -> bool:
    return summary.stage is not None and not Stage(summary.stage).is_terminal


def board_rows(
    summaries: list[ParticipantSummary], statuses: dict[str, JourneyStatus | None], now: datetime
) -> list[BoardRow]:
    rows = []
    for summary in summaries:
        status = statuses.get(summary.participant_id)
        next_due: DueItem | None = None
        if status is not None and status.next_due and not status.stage.is_terminal:
            next_due = due_item(summary.participant_id, status.next_due[0], now)
        elif status is None and summary.next_due_at is not None and is_open(summary):
            next_due = DueItem(
                participant_id=summary.participant_id,
                action=summary.next_due_action or "",
                label=(summary.next_due_action or "Next action").replace("_", " ").capitalize(),
                due_at=summary.next_due_at,
                window_start=None,
                window_end=None,
                overdue=now > summary.next_due_at,
            )
        entered = status.stage_entered_at if status is not None else summary.stage_entered_at
        rows.append(
            BoardRow(
                summary=summary,
                days_in_stage=max(0, (now - entered).days) if entered else None,
                next_due=next_due,
                live=status is not None or not is_open(summary),
            )
        )
    return rows


@dataclass(frozen=True)
class DueBuckets:
    overdue: list[DueItem]
    today: list[DueItem]
    this_week: list[DueItem]


def belongs_on_due_list(item: DueItem) -> bool:
    # Milestones are the lab's to deliver; the site only needs to see the late ones.
    return item.action != "manufacturing_milestone" or item.overdue


def due_buckets(statuses: dict[str, JourneyStatus | None], now: datetime) -> DueBuckets:
    """Overdue (window closed), due today (UTC) and due within the next seven days."""
    items = [
        due_item(participant_id, due, now)
        for participant_id, status in statuses.items()
        if status is not None and not status.stage.is_terminal
        for due in status.next_due
    ]
    items = sorted((item for item in items if belongs_on_due_list(item)), key=lambda item: item.due_at)
    today = now.astimezone(UTC).date()

    def due_day(item: DueItem) -> date:
        return item.due_at.astimezone(UTC).date()

    return DueBuckets(
        overdue=[item for item in items if item.overdue],
        # An action due earlier whose window is still open is due today as well.
        today=[item for item in items if not item.overdue and due_day(item) <= today],
        this_week=[item for item in items if not item.overdue and today < due_day(item) and item.due_at <= now + WEEK],
    )
