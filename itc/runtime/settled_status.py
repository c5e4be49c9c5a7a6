"""A journey's status once it has acted on what it was just given.

The journey acts on an accepted action once its events are stored (an activity), so the
consequence (a screen failure, the next stage) comes a moment after the answer. Waiting, briefly,
until the journey has no activity or workflow task pending lets a reply state that consequence,
so "Accepted #5 (screening)" is never all a nurse learns of a screen failure."""

from __future__ import annotations

import asyncio
import time

from temporalio.client import Client

from itc.models.state import JourneyStatus
from itc.runtime.journeys import get_status, journey_id

# Storing an action's events takes tens of milliseconds; a journey busy for longer (a service
# retrying) is described as it stands rather than holding the person's terminal.
SETTLE_SECONDS = 3.0
POLL_SECONDS = 0.05


async def settled_status(client: Client, participant_id: str) -> JourneyStatus:
    """The journey's status once nothing is pending (or after SETTLE_SECONDS)."""
    handle = client.get_workflow_handle(journey_id(participant_id))
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        description = (await handle.describe()).raw_description
        if not description.pending_activities and not description.HasField("pending_workflow_task"):
            break
        await asyncio.sleep(POLL_SECONDS)
    return await get_status(client, participant_id)
