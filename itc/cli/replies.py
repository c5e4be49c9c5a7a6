"""What `itc record` says once an action is accepted: the answer, then what followed from it.

The consequence (a screen failure, the next stage) comes a moment after the answer; the reply
asks the API for the journey's status once it has acted (`settle`, `itc.runtime.settled_status`)
and states that consequence in words, so "Accepted #5 (screening)" is never all a nurse learns of
a screen failure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from itc.api.labels import human
from itc.cli.answers import JourneyStatusAnswer
from itc.cli.render import safe, when
from itc.models.enums import Stage
from itc.models.inputs import ActionAccepted

if TYPE_CHECKING:
    from itc.models.state import JourneyStatus

ENDED_STAGES = frozenset({Stage.SCREEN_FAILED, Stage.COMPLETED, Stage.OFF_STUDY, Stage.WITHDRAWN, Stage.DECEASED})


def accepted_line(accepted: ActionAccepted) -> str:
    return f"Accepted #{accepted.sequence} ({human(accepted.stage)}): {safe(accepted.message)}"


def outcome_lines(accepted: ActionAccepted, status: JourneyStatus | JourneyStatusAnswer | None) -> list[str]:
    """The consequences a person must not miss; none when the journey could not be asked."""
    if status is None:
        return []
    if status.stage is Stage.SCREEN_FAILED:
        criteria = "; ".join(safe(criterion).rstrip(".") for criterion in status.failed_criteria)
        return [f"Screen failure: {criteria or safe(status.end_reason or '')} — journey ended"]
    if status.stage in ENDED_STAGES:
        return [f"Journey ended ({human(status.stage)}): {safe(status.end_reason or '')}".rstrip(": ")]
    lines = []
    if status.stage is not accepted.stage:
        lines.append(f"Now in {human(status.stage)} (was {human(accepted.stage)})")
    if status.trial_paused:
        lines.append(f"Trial paused: {safe(status.trial_pause_reason or 'safety stopping rule')}")
    if status.next_due:
        due = status.next_due[0]
        lines.append(f"Next due: {safe(due.label)} by {when(due.due_at)}")
    return lines
