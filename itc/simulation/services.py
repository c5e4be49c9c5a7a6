"""Simulated notification, lab and scheduling services behind the real activities.

Clinic bookings are all accepted (the forecast shows demand, not a capacity limit);
manufacturing slots are limited to the site's weekly capacity (`itc.simulation.slots`), so a
participant may queue for one. Each idempotency key is answered once, and what was asked is
kept so the capacity forecast can count bookings and lab orders.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from temporalio import activity

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
from itc.simulation.slots import SimulatedSlots


@dataclass
class Booking:
    appointment_id: str
    participant_id: str
    kind: str
    day: date
    cancelled: bool = False


@dataclass
class LabOrder:
    order_id: str
    participant_id: str
    purpose: str
    ordered_on: date
    tests: int


@dataclass
class SimulatedServices:
    bookings: list[Booking] = field(default_factory=list)
    lab_orders: list[LabOrder] = field(default_factory=list)
    notifications: Counter[str] = field(default_factory=Counter)
    slots: SimulatedSlots = field(default_factory=lambda: SimulatedSlots(slots_per_week=6))
    _answers: dict[str, object] = field(default_factory=dict)

    def kept_bookings(self, kind: str | None = None) -> list[Booking]:
        return [b for b in self.bookings if not b.cancelled and (kind is None or b.kind == kind)]


def _today() -> date:
    # The server's clock, which is the simulated calendar; the wall clock is not.
    return activity.info().current_attempt_scheduled_time.date()


class SimulatedNotifications:
    def __init__(self, record: SimulatedServices) -> None:
        self._record = record

    async def send(self, request: SendNotificationInput) -> NotificationReceipt:
        if request.idempotency_key in self._record._answers:
            return NotificationReceipt(notification_id=request.idempotency_key, duplicate=True)
        self._record._answers[request.idempotency_key] = True
        self._record.notifications[f"{request.recipient.value}:{request.kind}"] += 1
        return NotificationReceipt(notification_id=request.idempotency_key)


class SimulatedLab:
    def __init__(self, record: SimulatedServices) -> None:
        self._record = record

    async def order(self, request: OrderLabsInput) -> LabOrderReceipt:
        seen = self._record._answers.get(request.idempotency_key)
        if isinstance(seen, LabOrder):
            return LabOrderReceipt(order_id=seen.order_id, duplicate=True)
        order = LabOrder(
            f"ORD-{len(self._record.lab_orders) + 1:05d}",
            request.participant_id,
            request.purpose,
            _today(),
            len(request.codes),
        )
        self._record._answers[request.idempotency_key] = order
        self._record.lab_orders.append(order)
        return LabOrderReceipt(order_id=order.order_id)


class SimulatedScheduling:
    def __init__(self, record: SimulatedServices) -> None:
        self._record = record

    async def book(self, request: BookAppointmentInput) -> AppointmentBooking:
        seen = self._record._answers.get(request.idempotency_key)
        if isinstance(seen, Booking):
            return AppointmentBooking(
                appointment_id=seen.appointment_id, kind=request.kind, day=seen.day, duplicate=True
            )
        booking = Booking(
            f"APT-{len(self._record.bookings) + 1:05d}", request.participant_id, request.kind.value, request.preferred
        )
        self._record._answers[request.idempotency_key] = booking
        self._record.bookings.append(booking)
        return AppointmentBooking(appointment_id=booking.appointment_id, kind=request.kind, day=booking.day)

    async def cancel_all(self, request: CancelAppointmentsInput) -> CancelledAppointments:
        seen = self._record._answers.get(request.idempotency_key)
        if isinstance(seen, int):
            return CancelledAppointments(cancelled=seen)
        today = _today()
        # Appointments already past happened; only the ones still ahead are freed.
        ahead = [
            b
            for b in self._record.bookings
            if b.participant_id == request.participant_id and not b.cancelled and b.day >= today
        ]
        for booking in ahead:
            booking.cancelled = True
        self._record._answers[request.idempotency_key] = len(ahead)
        return CancelledAppointments(cancelled=len(ahead))
