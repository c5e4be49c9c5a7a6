"""What `itc record` says once an action is accepted: the answer, then what followed from it.

The journey acts on an accepted action once its events are stored (an activity), so the
consequence (a screen failure, the next stage) comes a moment after the answer. The reply
waits, briefly, until the journey has no activity or workflow task pending, then states the
consequence in words, so "Accepted #5 (screening)" is never all a nurse learns of a screen
failure."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from itc.api.labels import human
from itc.cli.render import safe, when
from itc.models.enums import Stage
from itc.models.inputs import ActionAccepted
from itc.models.state import JourneyStatus

if TYPE_CHECKING:
    # Only the direct path to Temporal settles; a command through the HTTP API never loads it.
    from temporalio.client import Client

# Storing an action's events takes tens of milliseconds; a journey busy for longer (a service
# retrying) is described as it stands rather than holding the terminal.
SETTLE_SECONDS = 3.0
POLL_SECONDS = 0.05

ENDED_STAGES = frozenset({Stage.SCREEN_FAILED, Stage.COMPLETED, Stage.OFF_STUDY, Stage.WITHDRAWN, Stage.DECEASED})


def accepted_line(accepted: ActionAccepted) -> str:
    return f"Accepted #{accepted.sequence} ({human(accepted.stage)}): {safe(accepted.message)}"


def outcome_lines(accepted: ActionAccepted, status: JourneyStatus | None) -> list[str]:
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


async def settled_status(client: Client, participant_id: str) -> JourneyStatus:
    """The journey's status once it has acted on what it was just given (or after SETTLE_SECONDS)."""
    from itc.runtime.journeys import get_status, journey_id

    handle = client.get_workflow_handle(journey_id(participant_id))
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        description = (await handle.describe()).raw_description
        if not description.pending_activities and not description.HasField("pending_workflow_task"):
            break
        await asyncio.sleep(POLL_SECONDS)
    return await get_status(client, participant_id)
