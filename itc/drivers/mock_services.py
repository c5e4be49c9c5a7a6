"""Activities registered under the real names, mocked: every call is kept in order.

Tests assert the exact sequence of side effects from `calls`; the events the
workflow appends are kept so sequence numbers can be checked without a database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import names
from itc.models.activity_inputs import (
    AppendEventsInput,
    AppendEventsResult,
    AppointmentBooking,
    BookAppointmentInput,
    CancelAppointmentsInput,
    CancelledAppointments,
    LabOrderReceipt,
    NotificationReceipt,
    OrderLabsInput,
    RecordRefusedSignalInput,
    SendNotificationInput,
)
from itc.models.events import JourneyEvent
from itc.models.slots import ReleasedSlot, ReleaseSlotInput, ReserveSlotInput, SlotReservation, week_of
from itc.models.trial import ReportDltOutcomeInput, ReportSaeClockInput


@dataclass
class MockServices:
    """Activities registered under the real names; every call is kept in order."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    events: list[JourneyEvent] = field(default_factory=list)
    notifications: list[SendNotificationInput] = field(default_factory=list)
    bookings: list[BookAppointmentInput] = field(default_factory=list)
    refused_signals: list[RecordRefusedSignalInput] = field(default_factory=list)
    fail_bookings_with: str | None = None
    # Manufacturing slots: `no_free_slot` refuses reservations (NoCapacity) while set;
    # holds are kept by participant.
    no_free_slot: bool = False
    slot_holders: dict[str, SlotReservation] = field(default_factory=dict)
    # Events of this type are refused as the store refuses invalid data (SQLSTATE 22P05): by a
    # non-retryable EventRejectedByStore, or, with `refusal_retryable`, by an error retried for ever
    # (what an append did before the refusal had a name).
    refuse_event_type: str | None = None
    refusal_retryable: bool = False

    def activities(self) -> list[Callable[..., Awaitable[Any]]]:
        @activity.defn(name=names.APPEND_EVENTS)
        async def append_events(inp: AppendEventsInput) -> AppendEventsResult:
            refused = next((e for e in inp.events if e.type.value == self.refuse_event_type), None)
            if refused is not None:
                self.calls.append((names.APPEND_EVENTS, f"refused {refused.sequence}"))
                if self.refusal_retryable:
                    raise ApplicationError("untranslatable character", type="UntranslatableCharacterError")
                raise ApplicationError(
                    f"event {refused.sequence} was refused: SQLSTATE 22P05",
                    {"sequence": refused.sequence, "sqlstate": "22P05"},
                    type=names.EVENT_REJECTED_BY_STORE,
                    non_retryable=True,
                )
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

        @activity.defn(name=names.RESERVE_MANUFACTURING_SLOT)
        async def reserve_manufacturing_slot(inp: ReserveSlotInput) -> SlotReservation:
            self.calls.append((names.RESERVE_MANUFACTURING_SLOT, "full" if self.no_free_slot else "reserved"))
            holding = self.slot_holders.get(inp.participant_id)
            if holding is not None and holding.reservation_id != inp.moving_from:
                return holding.model_copy(update={"duplicate": True})
            if self.no_free_slot:
                raise ApplicationError("no manufacturing slot free", type=names.NO_CAPACITY, non_retryable=True)
            held = SlotReservation(
                reservation_id=f"SLOT-{len(self.calls)}", week_start=week_of(inp.earliest), slot_number=0
            )
            self.slot_holders[inp.participant_id] = held
            return held

        @activity.defn(name=names.RELEASE_MANUFACTURING_SLOT)
        async def release_manufacturing_slot(inp: ReleaseSlotInput) -> ReleasedSlot:
            self.calls.append((names.RELEASE_MANUFACTURING_SLOT, inp.reason))
            return ReleasedSlot(released=int(self.slot_holders.pop(inp.participant_id, None) is not None))

        @activity.defn(name=names.RECORD_REFUSED_SIGNAL)
        async def record_refused_signal(inp: RecordRefusedSignalInput) -> None:
            if inp.audit_key not in {r.audit_key for r in self.refused_signals}:
                self.refused_signals.append(inp)
            self.calls.append((names.RECORD_REFUSED_SIGNAL, inp.signal))

        @activity.defn(name=names.REPORT_DLT_OUTCOME)
        async def report_dlt_outcome(inp: ReportDltOutcomeInput) -> None:
            self.calls.append((names.REPORT_DLT_OUTCOME, "dlt" if inp.outcome.dlt else "no_dlt"))

        @activity.defn(name=names.REPORT_SAE_CLOCK)
        async def report_sae_clock(inp: ReportSaeClockInput) -> None:
            self.calls.append((names.REPORT_SAE_CLOCK, f"{inp.clock.clock}:{inp.clock.status}"))

        return [
            append_events,
            send_notification,
            order_labs,
            book_appointment,
            cancel_appointments,
            reserve_manufacturing_slot,
            release_manufacturing_slot,
            record_refused_signal,
            report_dlt_outcome,
            report_sae_clock,
        ]

    def side_effects(self) -> list[tuple[str, str]]:
        """Calls other than event appends: what the outside world saw."""
        return [c for c in self.calls if c[0] != names.APPEND_EVENTS]

    def event_types(self) -> list[str]:
        return [e.type.value for e in sorted(self.events, key=lambda e: e.sequence)]
