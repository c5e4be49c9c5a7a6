"""Drive ParticipantJourneyWorkflow in tests: activities mocked by name, staff actions as Updates.

The mocks record every call in order, so tests can assert the exact sequence
of side effects, and they keep the events the workflow appends so tests can
check sequence numbers without a database.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities import names
from journey_models.activity_inputs import (
    AppendEventsInput,
    AppendEventsResult,
    AppointmentBooking,
    BookAppointmentInput,
    CancelAppointmentsInput,
    CancelledAppointments,
    LabOrderReceipt,
    NotificationReceipt,
    OrderLabsInput,
    SendNotificationInput,
)
from journey_models.enums import Stage
from journey_models.events import JourneyEvent
from journey_models.inputs import ActionAccepted, ConsentRecord
from journey_models.state import JourneyStatus, StartJourneyInput, TimelineEntry
from trial_rules.config import DEFAULT_PROTOCOL, ProtocolConfig
from workflows.journey import ParticipantJourneyWorkflow


@dataclass
class MockServices:
    """Activities registered under the real names; every call is kept in order."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    events: list[JourneyEvent] = field(default_factory=list)
    notifications: list[SendNotificationInput] = field(default_factory=list)
    bookings: list[BookAppointmentInput] = field(default_factory=list)
    fail_bookings_with: str | None = None

    def activities(self) -> list[Callable[..., Awaitable[Any]]]:
        @activity.defn(name=names.APPEND_EVENTS)
        async def append_events(inp: AppendEventsInput) -> AppendEventsResult:
            known = {e.sequence for e in self.events}
            fresh = [e for e in inp.events if e.sequence not in known]
            self.events.extend(fresh)
            self.calls.append((names.APPEND_EVENTS, ",".join(e.type.value for e in inp.events)))
            return AppendEventsResult(inserted=len(fresh), already_present=len(inp.events) - len(fresh))

        @activity.defn(name=names.SEND_NOTIFICATION)
        async def send_notification(inp: SendNotificationInput) -> NotificationReceipt:
            self.notifications.append(inp)
            self.calls.append((names.SEND_NOTIFICATION, f"{inp.recipient.value}:{inp.kind}"))
            return NotificationReceipt(notification_id=inp.idempotency_key)

        @activity.defn(name=names.ORDER_LABS)
        async def order_labs(inp: OrderLabsInput) -> LabOrderReceipt:
            self.calls.append((names.ORDER_LABS, inp.purpose))
            return LabOrderReceipt(order_id=f"ORD-{len(self.calls)}")

        @activity.defn(name=names.BOOK_APPOINTMENT)
        async def book_appointment(inp: BookAppointmentInput) -> AppointmentBooking:
            self.calls.append((names.BOOK_APPOINTMENT, inp.kind.value))
            if self.fail_bookings_with:
                raise ApplicationError("no capacity", type=self.fail_bookings_with, non_retryable=True)
            self.bookings.append(inp)
            return AppointmentBooking(appointment_id=f"APT-{len(self.bookings)}", kind=inp.kind, day=inp.preferred)

        @activity.defn(name=names.CANCEL_APPOINTMENTS)
        async def cancel_appointments(inp: CancelAppointmentsInput) -> CancelledAppointments:
            self.calls.append((names.CANCEL_APPOINTMENTS, inp.reason))
            return CancelledAppointments(cancelled=len(self.bookings))

        return [append_events, send_notification, order_labs, book_appointment, cancel_appointments]

    def side_effects(self) -> list[tuple[str, str]]:
        """Calls other than event appends: what the outside world saw."""
        return [c for c in self.calls if c[0] != names.APPEND_EVENTS]

    def event_types(self) -> list[str]:
        return [e.type.value for e in sorted(self.events, key=lambda e: e.sequence)]


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
    )
    values.update(overrides)
    return ConsentRecord(**values)


class Journey:
    """One participant's journey under test, with the clock under the test's control."""

    def __init__(self, env: WorkflowEnvironment, handle: WorkflowHandle, services: MockServices) -> None:
        self.env, self.handle, self.services = env, handle, services

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def advance(self, duration: timedelta) -> None:
        if not self.env.supports_time_skipping:
            # On the real dev server a month takes a month: only time-free tests run there.
            pytest.skip("needs the time-skipping test server")
        await self.env.sleep(duration)
        await self.settle()

    async def settle(self) -> None:
        # Give the worker a moment to run any tasks the time skip released.
        await asyncio.sleep(0.05)
        request = DescribeWorkflowExecutionRequest(
            namespace=self.env.client.namespace,
            execution=WorkflowExecution(workflow_id=self.handle.id),
        )
        for _ in range(100):
            # Raw describe: decoding search attributes is not needed to see a pending task.
            raw = await self.env.client.workflow_service.describe_workflow_execution(request)
            if not raw.HasField("pending_workflow_task"):
                return
            await asyncio.sleep(0.02)

    async def update(self, name: str, payload: Any) -> ActionAccepted:
        result = await self.handle.execute_update(name, payload, result_type=ActionAccepted)
        await self.settle()
        return result

    async def state(self) -> JourneyStatus:
        return await self.handle.query(ParticipantJourneyWorkflow.get_state)

    async def timeline(self) -> list[TimelineEntry]:
        return await self.handle.query(ParticipantJourneyWorkflow.get_timeline)

    async def wait_for_stage(self, stage: Stage, timeout: float = 10.0) -> JourneyStatus:
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
    journey = Journey(env, handle, services)
    await journey.settle()
    return journey


def worker_for(client: Client, task_queue: str, services: MockServices) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[ParticipantJourneyWorkflow],
        activities=services.activities(),
    )


# ---------------------------------------------------------------------- scripted staff actions

STAFF = "nurse.rahimi"
SUPERVISOR = "dr.karimi"
SAMPLE = "SKN-0001"
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

GOOD_SCREENING_LABS = {"creatinine": 1.0, "spo2": 98.0, "alt": 30.0, "ast": 28.0}
PRE_INFUSION = {"creatinine": 0.9, "alt": 30.0, "ast": 28.0, "neutrophils": 3000.0, "platelets": 200000.0}


def lab_results(values: dict[str, float], at: datetime, qualitative: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = [{"code": code, "value": value, "collected_at": at.isoformat()} for code, value in values.items()]
    results += [{"code": code, "interpretation": "normal", "collected_at": at.isoformat()} for code in qualitative]
    return results


async def record_labs(j: Journey, values: dict[str, float], qualitative: tuple[str, ...] = (), at: datetime | None = None) -> ActionAccepted:
    at = at or await j.now()
    return await j.update("record_lab_results", {"actor_id": STAFF, "results": lab_results(values, at, qualitative)})


async def record_eligibility(j: Journey, **overrides: Any) -> ActionAccepted:
    assessment: dict[str, Any] = dict(
        actor_id=STAFF,
        advanced_breast_cancer=True,
        progressed_on_chemo_or_radiotherapy=True,
        metastasis_count=1,
        metastasis_site="lung",
        metastasis_measurable=True,
        active_uncontrolled_infection=False,
        other_unrelated_cancer=False,
        assessed_at=(await j.now()).isoformat(),
    )
    assessment.update(overrides)
    return await j.update("record_eligibility_assessment", assessment)


async def record_scan(j: Journey, kind: str, diameter_mm: float, new_lesions: bool = False) -> ActionAccepted:
    return await j.update(
        "record_scan_result",
        {
            "actor_id": STAFF,
            "kind": kind,
            "scanned_at": (await j.now()).isoformat(),
            "target_lesions": [{"lesion_id": "L1", "organ": "lung", "diameter_mm": diameter_mm}],
            "new_lesions": new_lesions,
        },
    )


async def pass_screening(j: Journey) -> None:
    await record_labs(j, GOOD_SCREENING_LABS)
    await record_eligibility(j)
    await j.wait_for_stage(Stage.BASELINE)


async def complete_baseline(j: Journey) -> None:
    await record_scan(j, "baseline", 20.0)
    await record_labs(j, {"ca15_3": 40.0, "cea": 4.0}, ("flow_cytometry_panel", "elisa_cytokines", "ecg", "physical_exam"))
    await j.wait_for_stage(Stage.BIOPSY)


async def collect_biopsy(j: Journey, sample_id: str = SAMPLE) -> None:
    await j.update("record_biopsy_collected", {"actor_id": STAFF, "sample_id": sample_id, "collected_at": (await j.now()).isoformat()})
    await j.wait_for_stage(Stage.MANUFACTURING)


MILESTONES = (
    ("biopsy_received", 2),
    ("fibroblasts_expanded", 20),
    ("ipsc_line_established", 30),
    ("ipsc_qc_passed", 10),
    ("nk_differentiation_complete", 30),
    ("product_release_qc", 5),
)

GOOD_RELEASE_QC = {
    "sterility_negative": True,
    "mycoplasma_negative": True,
    "endotoxin_eu_per_ml": 1.0,
    "viability_percent": 92.0,
    "cd56_cd3neg_purity_percent": 95.0,
    "viable_cells_total": 2.0e10,
}


async def record_milestone(j: Journey, milestone: str, sample_id: str = SAMPLE, **extra: Any) -> ActionAccepted:
    body: dict[str, Any] = {"actor_id": "lab.tech", "milestone": milestone, "sample_id": sample_id, "occurred_at": (await j.now()).isoformat()}
    if milestone == "product_release_qc" and "release_qc" not in extra and extra.get("succeeded", True):
        body["release_qc"] = GOOD_RELEASE_QC
    body.update(extra)
    return await j.update("record_manufacturing_milestone", body)


async def manufacture(j: Journey, sample_id: str = SAMPLE) -> None:
    for milestone, days in MILESTONES:
        await j.advance(timedelta(days=days))
        await record_milestone(j, milestone, sample_id)
    await j.wait_for_stage(Stage.INFUSION)


async def give_infusion(j: Journey, number: int, sample_id: str = SAMPLE) -> ActionAccepted:
    """Pre-infusion labs now, then the infusion at the planned dose."""
    await record_labs(j, PRE_INFUSION, ("vital_signs",))
    state = await j.state()
    return await j.update(
        "record_infusion_administered",
        {
            "actor_id": STAFF,
            "infusion_number": number,
            "administered_at": (await j.now()).isoformat(),
            "cells_administered": state.dose_plan.cells_per_infusion,
            "product_sample_id": sample_id,
        },
    )


async def toxicity_checks(j: Journey) -> None:
    """Day +1, +3 and +7 labs, each just after it falls due."""
    elapsed = timedelta(0)
    for day in (1, 3, 7):
        step = timedelta(days=day) + HOUR - elapsed
        await j.advance(step)
        elapsed += step
        await record_labs(j, PRE_INFUSION)


async def advance_to(j: Journey, moment: datetime) -> None:
    now = await j.now()
    if moment > now:
        await j.advance(moment - now)


async def infuse_all(j: Journey) -> None:
    for number in (1, 2, 3):
        state = await j.state()
        infusion = next(i for i in state.infusions if i.number == number)
        await advance_to(j, infusion.target_at)
        await give_infusion(j, number)
        await toxicity_checks(j)


async def give_first_infusion(j: Journey) -> None:
    await drive_to_infusion(j)
    await advance_to(j, (await j.state()).infusions[0].target_at)
    await give_infusion(j, 1)


async def drive_to_manufacturing(j: Journey, sample_id: str = SAMPLE) -> None:
    await pass_screening(j)
    await complete_baseline(j)
    await collect_biopsy(j, sample_id)


async def drive_to_infusion(j: Journey) -> None:
    await drive_to_manufacturing(j)
    await manufacture(j)


def assert_consecutive_sequences(services: MockServices) -> None:
    """Every event reached the store once: sequence numbers 1..N with no gap."""
    sequences = sorted(e.sequence for e in services.events)
    assert sequences == list(range(1, len(sequences) + 1))
