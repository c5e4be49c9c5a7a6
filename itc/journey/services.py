"""What the journey records when a service answers one of its requests, or refuses it for good."""

from __future__ import annotations

from itc.journey.commands import BookAppointment, OrderLabs
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import Outcome
from itc.models.activity_inputs import AppointmentBooking, LabOrderReceipt
from itc.models.enums import EventType, Recipient
from itc.models.state import JourneyState


def labs_ordered(state: JourneyState, at: Moment, order: OrderLabs, receipt: LabOrderReceipt) -> Outcome:
    journal = Journal(state, at)
    request = order.request
    journal.emit(
        EventType.LABS_ORDERED,
        {
            "order_id": receipt.order_id,
            "codes": [c.value for c in request.codes],
            "purpose": request.purpose,
            "due_by": request.due_by.isoformat(),
        },
        summary=f"Labs ordered: {request.purpose}",
    )
    return journal.outcome()


def appointment_booked(
    state: JourneyState, at: Moment, request: BookAppointment, booking: AppointmentBooking
) -> Outcome:
    journal = Journal(state, at)
    kind = request.request.kind
    journal.emit(
        EventType.APPOINTMENT_BOOKED,
        {"appointment_id": booking.appointment_id, "kind": kind.value, "day": booking.day.isoformat()},
        summary=f"{kind.value} booked for {booking.day}",
    )
    return journal.outcome()


def describe_order(order: OrderLabs) -> str:
    return f"Lab order {order.request.purpose}"


def describe_booking(booking: BookAppointment) -> str:
    request = booking.request
    return f"Booking {request.kind.value} between {request.earliest} and {request.latest}"


def request_refused(state: JourneyState, at: Moment, what: str, refusal: str) -> Outcome:
    """A service refused for good: staff arrange it by hand, and the journey goes on."""
    journal = Journal(state, at)
    journal.escalate(Recipient.SITE_STAFF, "service_refused", refused_message(what, refusal))
    return journal.outcome()


def notification_refused(state: JourneyState, at: Moment, what: str, refusal: str) -> Outcome:
    """Telling staff would need the very service that refused: the event is the record."""
    journal = Journal(state, at)
    message = refused_message(what, refusal)
    journal.emit(
        EventType.ESCALATION_RAISED,
        {"recipient": Recipient.SITE_STAFF.value, "kind": "service_refused", "message": message},
        summary=message,
    )
    return journal.outcome()


def refused_message(what: str, refusal: str) -> str:
    return f"{what} was refused by the service ({refusal}); arrange it by hand"
