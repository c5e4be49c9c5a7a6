"""The PostgreSQL-backed services, driven through the activities as a worker would."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest
import structlog
from eventstore_samples import completed_journey, event
from structlog.testing import capture_logs
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import names
from activities.journey_activities import (
    NON_RETRYABLE_ERROR_TYPES,
    JourneyActivities,
    activities_for_worker,
)
from activities.trial_reports import TrialReportActivities, trial_report_activities
from itc.eventstore.store import EventStore
from itc.models.activity_inputs import (
    AppendEventsInput,
    AppendEventsResult,
    BookAppointmentInput,
    CancelAppointmentsInput,
    NotificationReceipt,
    OrderLabsInput,
    SendNotificationInput,
)
from itc.models.enums import AppointmentKind, Recipient
from itc.models.enums import EventType as T
from itc.rules.lab_catalogue import SCREENING_LABS
from itc.services.postgres import (
    PostgresLabService,
    PostgresNotificationService,
    PostgresSchedulingService,
    candidate_days,
)
from itc.services.postgres_slots import PostgresManufacturingSlots

MONDAY = date(2026, 6, 1)


@pytest.fixture
def acts(db_pool: asyncpg.Pool) -> JourneyActivities:
    return JourneyActivities(
        EventStore(db_pool),
        PostgresNotificationService(db_pool),
        PostgresLabService(db_pool),
        PostgresSchedulingService(db_pool),
        PostgresManufacturingSlots(db_pool),
    )


@pytest.fixture
def env() -> ActivityEnvironment:
    return ActivityEnvironment()


def booking(
    key: str,
    pid: str = "ITC-007",
    *,
    kind=AppointmentKind.INFUSION,
    earliest=MONDAY,
    latest=MONDAY,
    preferred=MONDAY,
):
    return BookAppointmentInput(
        idempotency_key=key,
        participant_id=pid,
        kind=kind,
        earliest=earliest,
        latest=latest,
        preferred=preferred,
    )


async def _count(pool: asyncpg.Pool, sql: str, *args) -> int:
    async with pool.acquire() as conn:
        return await conn.fetchval(sql, *args)


def test_worker_gets_every_activity_by_its_shared_name(acts: JourneyActivities) -> None:
    reports = trial_report_activities(TrialReportActivities(client=None, task_queue="unused"))  # type: ignore[arg-type]
    registered = [fn.__temporal_activity_definition.name for fn in [*activities_for_worker(acts), *reports]]
    assert registered == list(names.ALL)
    assert NON_RETRYABLE_ERROR_TYPES == (
        "NoCapacity",
        "ExternalServiceRejected",
        "EventSequenceConflict",
        "InvalidEvent",
        "EventRejectedByStore",
        "IdempotencyConflict",
    )


async def test_append_events_activity(acts: JourneyActivities, env: ActivityEnvironment, db_pool: asyncpg.Pool) -> None:
    request = AppendEventsInput(events=completed_journey()[:3])
    assert await env.run(acts.append_events, request) == AppendEventsResult(inserted=3, already_present=0)
    assert await env.run(acts.append_events, request) == AppendEventsResult(inserted=0, already_present=3)
    assert await _count(db_pool, "SELECT count(*) FROM journey_events") == 3


async def test_append_events_reports_invalid_and_conflicting_events_as_non_retryable(
    acts: JourneyActivities, env: ActivityEnvironment, db_pool: asyncpg.Pool
) -> None:
    await env.run(acts.append_events, AppendEventsInput(events=completed_journey()[:3]))
    # Corrects sequence 2, which was never stored: the permanent record would point at nothing.
    dangling = event("OTHER-001", 3, T.ADVERSE_EVENT_RECORDED, {"grade": 1}, corrects=2, reason="fix")
    forked = event("ITC-007", 3, T.STAGE_CHANGED, {"from": None, "to": "biopsy"})

    with pytest.raises(ApplicationError) as invalid:
        await env.run(acts.append_events, AppendEventsInput(events=[dangling]))
    with pytest.raises(ApplicationError) as conflict:
        await env.run(acts.append_events, AppendEventsInput(events=[forked]))

    # A dangling correction is a refusal of the data itself: named, non-retryable, with the sequence and SQLSTATE.
    assert (invalid.value.type, invalid.value.non_retryable) == ("EventRejectedByStore", True)
    assert invalid.value.details == ({"sequence": 3, "sqlstate": "23503"},)
    assert (
        invalid.value.message
        == "OTHER-001 event 3 (AdverseEventRecorded) was refused: journey_events_participant_id_corrects_sequence_fkey"
    )
    assert (conflict.value.type, conflict.value.non_retryable) == ("EventSequenceConflict", True)
    assert await _count(db_pool, "SELECT count(*) FROM journey_events") == 3


async def test_notification_is_queued_once_and_logged_without_its_text(
    acts: JourneyActivities, env: ActivityEnvironment, db_pool: asyncpg.Pool
) -> None:
    request = SendNotificationInput(
        idempotency_key="journey-ITC-007:12",
        participant_id="ITC-007",
        recipient=Recipient.SAFETY_MONITOR,
        kind="dlt_detected",
        subject="DLT for ITC-007",
        body="Grade 4 neutropenia > 7 days; infusions stopped.",
        urgent=True,
    )
    with capture_logs() as logs:
        first = await env.run(acts.send_notification, request)
        second = await env.run(acts.send_notification, request)

    assert (first.duplicate, second.duplicate, second.notification_id) == (False, True, first.notification_id)
    async with db_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT participant_id, recipient, kind, subject, body, urgent FROM notification_outbox"
        )
    assert [dict(row) for row in rows] == [
        {
            "participant_id": "ITC-007",
            "recipient": "safety_monitor",
            "kind": "dlt_detected",
            "subject": "DLT for ITC-007",
            "body": "Grade 4 neutropenia > 7 days; infusions stopped.",
            "urgent": True,
        }
    ]
    assert [(log["event"], log["participant_id"], log["recipient"], log["kind"]) for log in logs] == [
        ("notification_queued", "ITC-007", "safety_monitor", "dlt_detected")
    ] * 2
    assert all("subject" not in log and "body" not in log for log in logs)


async def test_lab_order_is_recorded_once(
    acts: JourneyActivities, env: ActivityEnvironment, db_pool: asyncpg.Pool
) -> None:
    due = datetime(2026, 3, 20, 9, tzinfo=UTC)
    request = OrderLabsInput(
        idempotency_key="journey-ITC-007:3",
        participant_id="ITC-007",
        codes=list(SCREENING_LABS),
        purpose="screening",
        due_by=due,
    )
    first = await env.run(acts.order_labs, request)
    second = await env.run(acts.order_labs, request)

    assert (first.duplicate, second.duplicate, second.order_id) == (False, True, first.order_id)
    async with db_pool.acquire() as conn:
        rows = await conn.fetch("SELECT order_id, codes, purpose, due_by, status FROM lab_orders")
    assert [dict(row) for row in rows] == [
        {
            "order_id": first.order_id,
            "codes": ["creatinine", "spo2", "alt", "ast"],
            "purpose": "screening",
            "due_by": due,
            "status": "ordered",
        }
    ]


async def test_booking_is_idempotent(acts: JourneyActivities, env: ActivityEnvironment, db_pool: asyncpg.Pool) -> None:
    request = booking("journey-ITC-007:8", kind=AppointmentKind.BIOPSY, latest=MONDAY + timedelta(days=13))
    first = await env.run(acts.book_appointment, request)
    second = await env.run(acts.book_appointment, request)

    assert (first.kind, first.day, first.duplicate) == (AppointmentKind.BIOPSY, MONDAY, False)
    assert (second.appointment_id, second.day, second.duplicate) == (first.appointment_id, MONDAY, True)
    assert await _count(db_pool, "SELECT count(*) FROM appointments") == 1


def test_candidate_days_go_outwards_from_the_preferred_day() -> None:
    days = candidate_days(date(2026, 6, 1), date(2026, 6, 5), preferred=date(2026, 6, 3))
    assert [d.day for d in days] == [3, 2, 4, 1, 5]
    assert candidate_days(date(2026, 6, 2), date(2026, 6, 1), preferred=date(2026, 6, 1)) == []


async def test_a_full_day_moves_the_booking_then_a_full_window_is_no_capacity(
    acts: JourneyActivities, env: ActivityEnvironment
) -> None:
    window = {"earliest": MONDAY - timedelta(days=1), "latest": MONDAY + timedelta(days=1)}
    days = [(await env.run(acts.book_appointment, booking(f"k{i}", f"ITC-{i:03d}", **window))).day for i in range(6)]
    # Infusion chairs: 2 a day. Preferred Monday first, then the earlier neighbour, then the later.
    assert days == [
        MONDAY,
        MONDAY,
        MONDAY - timedelta(days=1),
        MONDAY - timedelta(days=1),
        MONDAY + timedelta(days=1),
        MONDAY + timedelta(days=1),
    ]

    with pytest.raises(ApplicationError) as raised:
        await env.run(acts.book_appointment, booking("k6", "ITC-006", **window))
    assert (raised.value.type, raised.value.non_retryable) == ("NoCapacity", True)
    assert raised.value.message == "no infusion capacity on any day from 2026-05-31 to 2026-06-02"

    # Another kind has its own capacity on the same days.
    ct = await env.run(acts.book_appointment, booking("k7", "ITC-006", kind=AppointmentKind.CT_SCAN, **window))
    assert ct.day == MONDAY


async def test_concurrent_bookings_never_exceed_capacity(acts: JourneyActivities, db_pool: asyncpg.Pool) -> None:
    async def attempt(i: int):
        try:
            return await ActivityEnvironment().run(acts.book_appointment, booking(f"race-{i}", f"ITC-{i:03d}"))
        except ApplicationError as err:
            return err.type

    outcomes = await asyncio.gather(*(attempt(i) for i in range(10)))

    booked = [o for o in outcomes if not isinstance(o, str)]
    assert [b.day for b in booked] == [MONDAY, MONDAY]
    assert sorted(o for o in outcomes if isinstance(o, str)) == ["NoCapacity"] * 8
    assert await _count(db_pool, "SELECT count(*) FROM appointments WHERE day = $1 AND status = 'booked'", MONDAY) == 2


async def test_cancel_all_cancels_only_that_participants_booked_appointments(
    acts: JourneyActivities, env: ActivityEnvironment, db_pool: asyncpg.Pool
) -> None:
    window = {"earliest": MONDAY, "latest": MONDAY + timedelta(days=30)}
    await env.run(acts.book_appointment, booking("a", "ITC-007", kind=AppointmentKind.INFUSION, **window))
    await env.run(acts.book_appointment, booking("b", "ITC-007", kind=AppointmentKind.CT_SCAN, **window))
    await env.run(acts.book_appointment, booking("c", "ITC-009", kind=AppointmentKind.INFUSION, **window))

    request = CancelAppointmentsInput(
        idempotency_key="journey-ITC-007:40", participant_id="ITC-007", reason="withdrawal"
    )
    assert (await env.run(acts.cancel_appointments, request)).cancelled == 2
    # A retry reports the original count and changes nothing.
    assert (await env.run(acts.cancel_appointments, request)).cancelled == 2

    async with db_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT idempotency_key, status, cancel_reason FROM appointments ORDER BY idempotency_key"
        )
    assert [tuple(row) for row in rows] == [
        ("a", "cancelled", "withdrawal"),
        ("b", "cancelled", "withdrawal"),
        ("c", "booked", None),
    ]
    # The freed infusion chair can be booked again.
    again = await env.run(acts.book_appointment, booking("d", "ITC-010"))
    assert again.day == MONDAY
    assert (
        await _count(
            db_pool,
            "SELECT count(*) FROM appointments WHERE day = $1 AND kind = 'infusion' AND status = 'booked'",
            MONDAY,
        )
        == 2
    )


class _ContextRecordingNotifications:
    """Records the structlog context a service sees while an activity runs."""

    def __init__(self) -> None:
        self.seen: list[dict] = []

    async def send(self, request: SendNotificationInput) -> NotificationReceipt:
        self.seen.append(structlog.contextvars.get_contextvars())
        return NotificationReceipt(notification_id="n-1")


async def test_activities_bind_participant_and_workflow_for_logs(db_pool: asyncpg.Pool) -> None:
    notifications = _ContextRecordingNotifications()
    acts = JourneyActivities(
        EventStore(db_pool),
        notifications,
        PostgresLabService(db_pool),
        PostgresSchedulingService(db_pool),
        PostgresManufacturingSlots(db_pool),
    )
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, workflow_id="journey-ITC-042")
    request = SendNotificationInput(
        idempotency_key="k",
        participant_id="ITC-042",
        recipient=Recipient.SUPERVISOR,
        kind="overdue",
        subject="s",
        body="b",
    )

    await env.run(acts.send_notification, request)

    assert notifications.seen == [{"participant_id": "ITC-042", "workflow_id": "journey-ITC-042"}]
    assert structlog.contextvars.get_contextvars() == {}
