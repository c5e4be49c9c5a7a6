"""A journey on a Temporal WorkflowEnvironment, with the clock under the caller's control."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from itc.drivers.mock_services import MockServices
from itc.drivers.staff_actions import acting_in_role
from itc.models.enums import Stage
from itc.models.inputs import ActionAccepted, ConsentRecord
from itc.models.state import JourneyStatus, StartJourneyInput, TimelineEntry
from itc.rules.config import DEFAULT_PROTOCOL, ProtocolConfig
from workflows.journey import ParticipantJourneyWorkflow


class TimeSkippingUnavailable(RuntimeError):
    """The script needs months to pass, and this environment's clock is real."""


def consent_record(participant_id: str, consent_day: date, **overrides: Any) -> ConsentRecord:
    values: dict[str, Any] = dict(
        participant_id=participant_id,
        consent_date=consent_day,
        consent_form_version="v2.1",
        date_of_birth=date(consent_day.year - 52, 3, 2),
        sex="female",
        height_cm=165,
        weight_kg=60,
        er_status="positive",
        pr_status="negative",
        her2_status="negative",
        site="TEH-01",
        actor_id="nurse.rahimi",
        role="operations",
    )
    values.update(overrides)
    return ConsentRecord(**values)


class Journey:
    """One participant's journey, with the clock under the caller's control."""

    def __init__(self, env: WorkflowEnvironment, handle: WorkflowHandle, services: MockServices) -> None:
        self.env, self.handle, self.services = env, handle, services

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def advance(self, duration: timedelta) -> None:
        if not self.env.supports_time_skipping:
            # On the real dev server a month takes a month.
            raise TimeSkippingUnavailable("needs the time-skipping test server")
        await self.env.sleep(duration)
        await self.settle()

    async def settle(self) -> None:
        """Let the journey finish reacting: no workflow task and no activity in flight.

        The time-skipping server does not report a pending workflow task, so a query stands in
        for it: it is answered only after the task in flight. The history not growing across a
        query, with no activity pending, means the journey waits only on timers or staff. Without
        this a staff action could overtake what the journey was doing (lab results recorded
        before the receipt of the order that asked for them).
        """
        # Give the worker a moment to run any tasks the time skip released.
        await asyncio.sleep(0.05)
        request = DescribeWorkflowExecutionRequest(
            namespace=self.env.client.namespace,
            execution=WorkflowExecution(workflow_id=self.handle.id),
        )
        seen_length = None
        for _ in range(200):
            try:
                await self.handle.query(ParticipantJourneyWorkflow.get_state)
            except (WorkflowQueryFailedError, RPCError):
                # A workflow whose task fails answers no query; the history still tells.
                await asyncio.sleep(0.02)
            # Raw describe: decoding search attributes is not needed to see pending work.
            raw = await self.env.client.workflow_service.describe_workflow_execution(request)
            length = raw.workflow_execution_info.history_length
            if not raw.HasField("pending_workflow_task") and not raw.pending_activities and length == seen_length:
                return
            seen_length = length
            await asyncio.sleep(0.005)

    async def update(self, name: str, payload: Any) -> ActionAccepted:
        result = await self.handle.execute_update(name, acting_in_role(name, payload), result_type=ActionAccepted)
        await self.settle()
        return result

    async def state(self) -> JourneyStatus:
        return await self.handle.query(ParticipantJourneyWorkflow.get_state)

    async def timeline(self) -> list[TimelineEntry]:
        return await self.handle.query(ParticipantJourneyWorkflow.get_timeline)

    async def wait_for_stage(self, stage: Stage, timeout: float = 30.0) -> JourneyStatus:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            state = await self.state()
            if state.stage is stage:
                return state
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"stage is {state.stage.value}, expected {stage.value}")
            await asyncio.sleep(0.05)


async def start_journey(
    env: WorkflowEnvironment,
    worker_task_queue: str,
    services: MockServices,
    participant_id: str | None = None,
    protocol: ProtocolConfig = DEFAULT_PROTOCOL,
    journey_type: type[Journey] = Journey,
    **consent_overrides: Any,
) -> Journey:
    participant_id = participant_id or f"ITC-{uuid.uuid4().int % 90000 + 10000}"
    today = (await env.get_current_time()).date()
    consent = consent_record(participant_id, today, **consent_overrides)
    handle = await env.client.start_workflow(
        ParticipantJourneyWorkflow.run,
        StartJourneyInput(consent=consent, protocol=protocol),
        id=f"journey-{participant_id}",
        task_queue=worker_task_queue,
    )
    journey = journey_type(env, handle, services)
    await journey.settle()
    return journey


def activity_definition_name(fn) -> str:
    from temporalio import activity

    return activity._Definition.must_from_callable(fn).name


def worker_for(client: Client, task_queue: str, services: MockServices, *, real_trial_reports: bool = False) -> Worker:
    """A worker for journeys and the trial; with real_trial_reports, reports reach the trial workflow."""
    from activities import names
    from activities.trial_reports import TrialReportActivities, trial_report_activities
    from workflows.runner import workflow_runner
    from workflows.trial import TrialWorkflow

    activities = services.activities()
    if real_trial_reports:
        mocked = (names.REPORT_DLT_OUTCOME, names.REPORT_SAE_CLOCK)
        activities = [a for a in activities if activity_definition_name(a) not in mocked]
        activities += trial_report_activities(TrialReportActivities(client, task_queue))
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[ParticipantJourneyWorkflow, TrialWorkflow],
        activities=activities,
        workflow_runner=workflow_runner(),
    )
