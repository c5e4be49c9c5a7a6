"""A journey on the real dev server, driven by the same scripted staff actions as the tests.

The dev server's clock is real, so nothing here waits for days to pass: manufacturing
milestones are reported back to back, and the bench protocol releases the product for
infusion at once (days_from_release_to_first_infusion = 0) instead of a week later.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowHandle

from bench.poll_pacing import PollPacing
from itc.drivers.env_journey import TimeSkippingUnavailable, consent_record
from itc.drivers.quiescence import is_idle, poll_until
from itc.drivers.staff_actions import (
    MILESTONES,
    acting_in_role,
    drive_to_manufacturing,
    give_infusion,
    record_milestone,
)
from itc.models.enums import Stage
from itc.models.inputs import ActionAccepted
from itc.models.state import JourneyStatus, StartJourneyInput
from itc.rules.config import DEFAULT_PROTOCOL, ProtocolConfig
from workflows.journey import ParticipantJourneyWorkflow
from workflows.search_attributes import JOURNEY_STAGE

BENCH_PROTOCOL: ProtocolConfig = DEFAULT_PROTOCOL.model_copy(
    update={"infusions": DEFAULT_PROTOCOL.infusions.model_copy(update={"days_from_release_to_first_infusion": 0})}
)


class LiveJourney:
    """The `DrivenJourney` shape on a real clock."""

    def __init__(self, client: Client, handle: WorkflowHandle[Any, Any]) -> None:
        self.client, self.handle = client, handle
        # What the scripted path sent, by name and payload: to compare with the Updates the
        # history accepted, and to send the same Updates to the ceiling that receives them.
        self.sent: list[tuple[str, Any]] = []
        # The driver's own traffic, which a real staff member would not send: each query is a
        # worker task and a server round trip, each describe a server round trip.
        self.queries = 0
        self.describes = 0
        # Real time: a step takes tens of milliseconds here, seconds under load, not a
        # time-skipped ten. Polling from 1 ms, as the time-skipping drivers do, sent each
        # journey dozens of queries per step, which the measurement then charged to the journey.
        self._pacing = PollPacing()

    @property
    def updates_sent(self) -> int:
        return len(self.sent)

    async def now(self) -> datetime:
        return datetime.now(UTC)

    async def advance(self, duration: timedelta) -> None:
        raise TimeSkippingUnavailable(f"cannot skip {duration} on the dev server's real clock")

    async def update(self, name: str, payload: Any) -> ActionAccepted:
        payload = acting_in_role(name, payload)
        self.sent.append((name, payload))
        accepted: ActionAccepted = await self.handle.execute_update(name, payload, result_type=ActionAccepted)
        return accepted

    async def state(self) -> JourneyStatus:
        self.queries += 1
        return await self.handle.query(ParticipantJourneyWorkflow.get_state)

    async def wait_for_stage(self, stage: Stage, timeout: float = 60.0) -> JourneyStatus:
        """Polls the server alone, for the stage the journey publishes as a search attribute, then
        queries once: a query per poll made the worker answer the driver while it ran journeys."""
        seen: list[str | None] = [None]

        async def reached() -> bool:
            seen[0] = await self._published_stage()
            return seen[0] == stage.value

        try:
            await self._poll(reached, f"{self.handle.id} reaching {stage.value}", timeout)
        except TimeoutError as error:
            raise TimeoutError(f"{error}; it is in {seen[0]}") from None
        return await self.state()

    async def _published_stage(self) -> str | None:
        self.describes += 1
        raw = await self.client.workflow_service.describe_workflow_execution(
            DescribeWorkflowExecutionRequest(
                namespace=self.client.namespace, execution=WorkflowExecution(workflow_id=self.handle.id)
            )
        )
        # Search attributes are stored unencrypted (never PHI), so the describe reads them as they are.
        payload = raw.workflow_execution_info.search_attributes.indexed_fields.get(JOURNEY_STAGE.name)
        return None if payload is None else str(json.loads(payload.data))

    async def idle(self, timeout: float = 60.0) -> None:
        # The dev server's describe says what is pending without sending the whole history.
        await self._poll(self._is_idle, f"{self.handle.id} going idle", timeout)

    async def _poll(self, check: Callable[[], Awaitable[bool]], what: str, timeout: float) -> None:
        self._pacing.waited(await poll_until(check, what, timeout, **self._pacing.delays()))

    async def _is_idle(self) -> bool:
        self.describes += 1
        return await is_idle(self.client, self.handle.id)


async def start_live_journey(client: Client, task_queue: str, participant_id: str) -> LiveJourney:
    consent = consent_record(participant_id, datetime.now(UTC).date())
    handle = await client.start_workflow(
        ParticipantJourneyWorkflow.run,
        StartJourneyInput(consent=consent, protocol=BENCH_PROTOCOL),
        id=f"journey-{participant_id}",
        task_queue=task_queue,
    )
    return LiveJourney(client, handle)


async def drive_to_first_infusion(j: LiveJourney) -> None:
    """Consent → eligibility → baseline → biopsy → manufacturing → dose plan → first infusion."""
    await drive_to_manufacturing(j)
    for milestone, _days in MILESTONES:
        await record_milestone(j, milestone)
    await j.wait_for_stage(Stage.INFUSION)
    # Staff give the infusion once it is booked and its labs are ordered, as on the ward;
    # giving it sooner would skip those activities and make journeys differ.
    await j.idle()
    await give_infusion(j, 1)
    await j.idle()
