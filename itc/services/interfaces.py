"""What activities need from the outside world, and nothing more.

Every call carries an idempotency key: an implementation must make a repeated
call with the same key a no-op that returns the original result.
"""

from __future__ import annotations

from datetime import date
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
from itc.models.slots import ReleasedSlot, ReleaseSlotInput, ReserveSlotInput, SlotReservation, WeekSlots


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


@runtime_checkable
class ManufacturingSlotService(Protocol):
    """The manufacturing site's weekly capacity: the scheduling side of a manufacturing run."""

    async def reserve_slot(self, request: ReserveSlotInput) -> SlotReservation:
        """Hold a free slot in the earliest week of [earliest, latest]; NoCapacityError if every week is full.

        A participant already holding a slot gets that slot back, unless the request moves it
        (`moving_from`): then the new week's slot is taken and the old one freed, or, with no room,
        nothing changes. A key reused for another participant or window raises IdempotencyConflict."""
        ...

    async def release_slot(self, request: ReleaseSlotInput) -> ReleasedSlot:
        """Free the participant's held slot, if any; a retry with the same key gets the first answer."""
        ...

    async def weeks_ahead(self, first_week: date, weeks: int) -> list[WeekSlots]:
        """Capacity and holds for `weeks` weeks from `first_week`'s Monday."""
        ...
