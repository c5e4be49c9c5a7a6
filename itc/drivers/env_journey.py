"""A journey on a Temporal WorkflowEnvironment, with the clock under the caller's control."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from itc.base.settings import Settings
from itc.crypto.engine_keys import EngineKeys, resolve_engine_keys
from itc.drivers.mock_services import MockServices
from itc.drivers.quiescence import poll_for_stage, wait_quiescent
from itc.drivers.skip_time import skip_time
from itc.drivers.staff_actions import acting_in_role
from itc.models.enums import Stage
from itc.models.inputs import ActionAccepted, ConsentRecord
from itc.models.state import JourneyStatus, StartJourneyInput, TimelineEntry
from itc.rules.config import DEFAULT_PROTOCOL, ProtocolConfig
from itc.runtime.worker import reporting_client, worker_interceptors
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


# Generous bounds for waits that take milliseconds on an idle machine: they are conditions
# polled until met, so a busy machine only makes them slower, never fail.
SETTLE_SECONDS = 60.0
STAGE_SECONDS = 60.0


class Journey:
    """One participant's journey, with the clock under the caller's control."""

    def __init__(
        self, env: WorkflowEnvironment, handle: WorkflowHandle[Any, Any], services: MockServices | None
    ) -> None:
        self.env, self.handle, self.services = env, handle, services

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def advance(self, duration: timedelta) -> None:
        if not self.env.supports_time_skipping:
            # On the real dev server a month takes a month.
            raise TimeSkippingUnavailable("needs the time-skipping test server")
        await skip_time(self.env, duration)
        await self.settle()

    async def settle(self) -> None:
        """Wait until the journey has nothing in flight: the tasks and activities a start, an
        Update or a time skip released have all run, so what a test reads next is final."""
        await wait_quiescent(self.env.client, self.handle.id, timeout=SETTLE_SECONDS)

    async def update(self, name: str, payload: Any) -> ActionAccepted:
        result: ActionAccepted = await self.handle.execute_update(
            name, acting_in_role(name, payload), result_type=ActionAccepted
        )
        await self.settle()
        return result

    async def state(self) -> JourneyStatus:
        return await self.handle.query(ParticipantJourneyWorkflow.get_state)

    async def timeline(self) -> list[TimelineEntry]:
        return await self.handle.query(ParticipantJourneyWorkflow.get_timeline)

    async def wait_for_stage(self, stage: Stage, timeout: float = STAGE_SECONDS) -> JourneyStatus:
        return await poll_for_stage(self.state, stage, self.handle.id, timeout)


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


def activity_definition_name(fn: Callable[..., Any]) -> str:
    definition = activity._Definition.must_from_callable(fn)
    assert definition.name is not None, "registered activities are named"
    return definition.name


def worker_for(
    client: Client,
    task_queue: str,
    services: MockServices,
    *,
    real_trial_reports: bool = False,
    keys: EngineKeys | None = None,
) -> Worker:
    """A worker for journeys and the trial, checking senders as production's does (with the
    configured engine keys unless given); with real_trial_reports, reports reach the trial workflow."""
    from activities import names
    from activities.trial_reports import TrialReportActivities, trial_report_activities
    from workflows.runner import workflow_runner
    from workflows.trial import TrialWorkflow

    keys = keys or resolve_engine_keys(Settings())

    activities = services.activities()
    if real_trial_reports:
        mocked = (names.REPORT_DLT_OUTCOME, names.REPORT_SAE_CLOCK)
        activities = [a for a in activities if activity_definition_name(a) not in mocked]
        activities += trial_report_activities(TrialReportActivities(reporting_client(client, keys), task_queue))
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[ParticipantJourneyWorkflow, TrialWorkflow],
        activities=activities,
        workflow_runner=workflow_runner(),
        interceptors=worker_interceptors(keys),
    )
