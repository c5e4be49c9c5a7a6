"""The history guard past screening (issue 12, H3: "in any stage, the journey continues as new
when Temporal suggests it or its history passes a configured size, with state intact").

A journey under a lowered guard is pushed past it with staff actions that leave the stage
open, in baseline, manufacturing and infusion. Each time the run changes while the stage
stays, and afterwards nothing was ordered, booked, escalated or notified twice, every
event reached the store once in sequence, and the journey goes on to its next stage.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

from journey_harness import (
    DAY,
    MILESTONES,
    PRE_INFUSION,
    Journey,
    MockServices,
    advance_to,
    collect_biopsy,
    complete_baseline,
    consent_record,
    drive_to_infusion,
    give_infusion,
    lab_results,
    pass_screening,
    record_milestone,
    worker_for,
)

from activities import names
from itc.models.enums import EventType, Stage
from itc.models.state import HistoryGuard, StartJourneyInput
from itc.rules.config import DEFAULT_PROTOCOL
from workflows.journey import ParticipantJourneyWorkflow

LOWERED = HistoryGuard(max_events=60)


async def start_guarded(env, task_queue: str, services: MockServices) -> Journey:
    participant_id = f"ITC-{uuid.uuid4().int % 90000 + 10000}"
    consent = consent_record(participant_id, (await env.get_current_time()).date())
    handle = await env.client.start_workflow(
        ParticipantJourneyWorkflow.run,
        StartJourneyInput(consent=consent, protocol=DEFAULT_PROTOCOL, history_guard=LOWERED),
        id=f"journey-{participant_id}",
        task_queue=task_queue,
    )
    j = Journey(env, handle, services)
    await j.settle()
    return j


async def push_past_guard(j: Journey, stage: Stage) -> None:
    """Lab results, which leave `stage` open, until the run continues as new; the stage stays."""
    first_run = (await j.handle.describe()).run_id
    runs_before = (await j.state()).run_count
    for _ in range(40):
        await j.update(
            "record_lab_results", {"actor_id": "nurse.rahimi", "results": lab_results({"spo2": 98.0}, await j.now())}
        )
        if (await j.handle.describe()).run_id != first_run:
            break
    assert (await j.handle.describe()).run_id != first_run, f"the guard never tripped in {stage.value}"
    state = await j.state()
    assert state.stage is stage
    assert state.run_count > runs_before


def assert_nothing_twice(services: MockServices) -> None:
    sequences = sorted(e.sequence for e in services.events)
    assert sequences == list(range(1, len(sequences) + 1)), "an event was lost or stored twice"
    keys = Counter(n.idempotency_key for n in services.notifications)
    assert [k for k, n in keys.items() if n > 1] == [], "a notification was sent twice"
    bookings = Counter((b.kind, b.earliest, b.latest) for b in services.bookings)
    assert [b for b, n in bookings.items() if n > 1] == [], "an appointment was booked twice"


def escalations(services: MockServices, kind: str) -> int:
    return sum(1 for e in services.events if e.type is EventType.ESCALATION_RAISED and e.payload["kind"] == kind)


def lab_orders(services: MockServices, purpose: str) -> int:
    return services.calls.count((names.ORDER_LABS, purpose))


async def test_baseline_continues_as_new_past_the_guard_before_and_after_its_reminder(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_guarded(workflow_env, task_queue, services)
        await pass_screening(j)
        await push_past_guard(j, Stage.BASELINE)
        # Past the reminder, which the run then going sends once; then past the guard again.
        await j.advance(timedelta(days=DEFAULT_PROTOCOL.baseline.reminder_after_days) + DAY)
        await push_past_guard(j, Stage.BASELINE)
        await j.advance(DAY)
        await complete_baseline(j)
        state = await j.state()
    assert state.stage is Stage.BIOPSY
    assert lab_orders(services, "baseline") == 1
    assert services.calls.count((names.BOOK_APPOINTMENT, "ct_scan")) == 1
    assert escalations(services, "baseline_incomplete") == 1
    assert_nothing_twice(services)


async def test_manufacturing_continues_as_new_past_the_guard_with_its_deadlines_escalated_once(
    workflow_env, task_queue
):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_guarded(workflow_env, task_queue, services)
        await pass_screening(j)
        await complete_baseline(j)
        await collect_biopsy(j)
        (first, days), *rest = MILESTONES
        await j.advance(timedelta(days=days))
        await record_milestone(j, first)
        await push_past_guard(j, Stage.MANUFACTURING)
        # The next step runs late: escalated once, then past the guard again.
        await j.advance(timedelta(days=rest[0][1] + 3))
        await push_past_guard(j, Stage.MANUFACTURING)
        for milestone, days in rest:
            await j.advance(timedelta(days=days))
            await record_milestone(j, milestone)
        state = await j.wait_for_stage(Stage.INFUSION)
    assert state.stage is Stage.INFUSION
    assert escalations(services, "milestone_overdue") == 1
    assert_nothing_twice(services)


async def test_infusion_continues_as_new_past_the_guard_and_books_each_infusion_once(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_guarded(workflow_env, task_queue, services)
        await drive_to_infusion(j)
        await push_past_guard(j, Stage.INFUSION)
        await advance_to(j, (await j.state()).infusions[0].target_at)
        await push_past_guard(j, Stage.INFUSION)
        await give_infusion(j, 1)
        await j.advance(DAY + timedelta(hours=1))
        await j.update(
            "record_lab_results", {"actor_id": "nurse.rahimi", "results": lab_results(PRE_INFUSION, await j.now())}
        )
        await push_past_guard(j, Stage.INFUSION)
        state = await j.state()
    assert state.stage is Stage.INFUSION
    given = [i for i in state.infusions if i.administered_at is not None]
    assert [i.number for i in given] == [1]
    assert_nothing_twice(services)
