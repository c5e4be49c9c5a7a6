"""What activities need from the outside world, and nothing more.

Every call carries an idempotency key: an implementation must make a repeated
call with the same key a no-op that returns the original result.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

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


@runtime_checkable
class NotificationService(Protocol):
    async def send(self, request: SendNotificationInput) -> NotificationReceipt: ...


@runtime_checkable
class LabService(Protocol):
    async def order(self, request: OrderLabsInput) -> LabOrderReceipt: ...


@runtime_checkable
class SchedulingService(Protocol):
    async def book(self, request: BookAppointmentInput) -> AppointmentBooking:
        """Book the preferred day, else the nearest day in [earliest, latest]; NoCapacityError if none."""
        ...

    async def cancel_all(self, request: CancelAppointmentsInput) -> CancelledAppointments:
        """Cancel every booked appointment of the participant."""
        ...
