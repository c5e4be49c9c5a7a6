"""Built-in service implementations backed by the project's PostgreSQL database."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import asyncpg
import structlog

from itc.models.activity_inputs import (
    AppointmentBooking,
    BookAppointmentInput,
    CancelAppointmentsInput,
    CancelledAppointments,
    LabOrderReceipt,
    NotificationReceipt,
    OrderLabsInput,
    SendNotificationInput,
)
from itc.services import postgres_queries as q
from itc.services.errors import NoCapacityError

log = structlog.get_logger(__name__)


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


class PostgresNotificationService:
    """Queues notifications in notification_outbox for a relay to deliver."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def send(self, request: SendNotificationInput) -> NotificationReceipt:
        async with self._pool.acquire() as conn:
            notification_id = await conn.fetchval(
                q.INSERT_NOTIFICATION,
                _new_id("ntf"),
                request.idempotency_key,
                request.participant_id,
                request.recipient.value,
                request.kind,
                request.subject,
                request.body,
                request.urgent,
            )
            duplicate = notification_id is None
            if duplicate:
                notification_id = await conn.fetchval(q.SELECT_NOTIFICATION_BY_KEY, request.idempotency_key)
        # Subject and body stay out of logs: only who, to whom and what kind.
        log.info(
            "notification_queued",
            participant_id=request.participant_id,
            recipient=request.recipient.value,
            kind=request.kind,
            notification_id=notification_id,
            duplicate=duplicate,
        )
        return NotificationReceipt(notification_id=notification_id, duplicate=duplicate)


class PostgresLabService:
    """Records lab orders in lab_orders."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def order(self, request: OrderLabsInput) -> LabOrderReceipt:
        async with self._pool.acquire() as conn:
            order_id = await conn.fetchval(
                q.INSERT_LAB_ORDER,
                _new_id("lab"),
                request.idempotency_key,
                request.participant_id,
                [code.value for code in request.codes],
                request.purpose,
                request.due_by,
            )
            duplicate = order_id is None
            if duplicate:
                order_id = await conn.fetchval(q.SELECT_LAB_ORDER_BY_KEY, request.idempotency_key)
        log.info(
            "labs_ordered",
            participant_id=request.participant_id,
            order_id=order_id,
            codes=[code.value for code in request.codes],
            duplicate=duplicate,
        )
        return LabOrderReceipt(order_id=order_id, duplicate=duplicate)


def candidate_days(earliest: date, latest: date, preferred: date) -> list[date]:
    """Days of the window, nearest to the preferred day first; on a tie the earlier day wins."""
    span = (latest - earliest).days
    days = [earliest + timedelta(days=offset) for offset in range(span + 1)]
    return sorted(days, key=lambda day: (abs((day - preferred).days), day))


class PostgresSchedulingService:
    """Books appointments against resource_capacity, never beyond a day's capacity."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def book(self, request: BookAppointmentInput) -> AppointmentBooking:
        kind = request.kind.value
        async with self._pool.acquire() as conn:
            existing = await conn.fetchrow(q.SELECT_APPOINTMENT_BY_KEY, request.idempotency_key)
            if existing is not None:
                return _booking(existing, duplicate=True)
            per_day = await conn.fetchval(q.SELECT_CAPACITY, kind)
            if per_day is None:
                raise NoCapacityError(f"no capacity is configured for {kind} appointments")
            snapshot = {
                row["day"]: row["booked"]
                for row in await conn.fetch(q.BOOKED_PER_DAY, kind, request.earliest, request.latest)
            }
            for day in candidate_days(request.earliest, request.latest, request.preferred):
                if snapshot.get(day, 0) >= per_day:
                    continue
                booking = await _try_book_day(conn, request, day, per_day)
                if booking is not None:
                    log.info(
                        "appointment_booked",
                        participant_id=request.participant_id,
                        kind=kind,
                        day=day.isoformat(),
                        appointment_id=booking.appointment_id,
                        duplicate=booking.duplicate,
                    )
                    return booking
        raise NoCapacityError(
            f"no {kind} capacity on any day from {request.earliest.isoformat()} to {request.latest.isoformat()}"
        )

    async def cancel_all(self, request: CancelAppointmentsInput) -> CancelledAppointments:
        async with self._pool.acquire() as conn, conn.transaction():
            # Claiming the key first makes a concurrent retry wait for this one
            # and then report its count, rather than "0 cancelled".
            claimed = await conn.fetchval(q.CLAIM_CANCELLATION, request.idempotency_key, request.participant_id)
            if claimed is None:
                cancelled = await conn.fetchval(q.SELECT_CANCELLATION, request.idempotency_key)
                return CancelledAppointments(cancelled=cancelled)
            rows = await conn.fetch(q.CANCEL_BOOKED, request.participant_id, request.reason)
            await conn.execute(q.RECORD_CANCELLATION_COUNT, request.idempotency_key, len(rows))
        log.info("appointments_cancelled", participant_id=request.participant_id, cancelled=len(rows))
        return CancelledAppointments(cancelled=len(rows))


async def _try_book_day(
    conn: asyncpg.Connection, request: BookAppointmentInput, day: date, per_day: int
) -> AppointmentBooking | None:
    """Book one day under its lock; None if the day is full."""
    kind = request.kind.value
    async with conn.transaction():
        await conn.execute(q.LOCK_DAY, kind, day)
        if await conn.fetchval(q.COUNT_BOOKED_ON_DAY, kind, day) >= per_day:
            return None
        row = await conn.fetchrow(
            q.INSERT_APPOINTMENT, _new_id("apt"), request.idempotency_key, request.participant_id, kind, day
        )
        if row is not None:
            return _booking(row, duplicate=False)
    # A concurrent retry with the same key booked first; report its booking.
    existing = await conn.fetchrow(q.SELECT_APPOINTMENT_BY_KEY, request.idempotency_key)
    return _booking(existing, duplicate=True)


def _booking(row: asyncpg.Record, *, duplicate: bool) -> AppointmentBooking:
    return AppointmentBooking(
        appointment_id=row["appointment_id"], kind=row["kind"], day=row["day"], duplicate=duplicate
    )
