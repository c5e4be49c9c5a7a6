"""What the journey asks of the outside world, as typed commands the shell turns into activities.

Notifications and reports to the trial queue up and are sent in order by the shell's
loop; orders, bookings and cancellations are made in place by the stage that asks,
because what comes back (an order ID, a booked day) is recorded before the stage goes on.
"""

from __future__ import annotations

from dataclasses import dataclass

from itc.models.activity_inputs import (
    BookAppointmentInput,
    CancelAppointmentsInput,
    OrderLabsInput,
    SendNotificationInput,
)
from itc.models.trial import ReportDltOutcomeInput, ReportSaeClockInput


@dataclass(frozen=True)
class SendNotification:
    request: SendNotificationInput


@dataclass(frozen=True)
class ReportDltOutcome:
    request: ReportDltOutcomeInput


@dataclass(frozen=True)
class ReportSaeClock:
    request: ReportSaeClockInput


@dataclass(frozen=True)
class OrderLabs:
    request: OrderLabsInput


@dataclass(frozen=True)
class BookAppointment:
    request: BookAppointmentInput


@dataclass(frozen=True)
class CancelAppointments:
    request: CancelAppointmentsInput


# Sent by the loop, in order, from every wait.
QueuedCommand = SendNotification | ReportDltOutcome | ReportSaeClock
# Made in place by the stage that asks; the answer is recorded before the stage goes on.
ServiceRequest = OrderLabs | BookAppointment | CancelAppointments
Command = QueuedCommand | ServiceRequest
