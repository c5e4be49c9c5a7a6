"""One input model per activity. Idempotency keys are '<workflow id>:<event sequence>'."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from itc.models.enums import AppointmentKind, Recipient
from itc.models.events import JourneyEvent
from itc.rules.lab_catalogue import LabCode


class _ActivityInput(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AppendEventsInput(_ActivityInput):
    events: list[JourneyEvent] = Field(min_length=1)


class AppendEventsResult(BaseModel):
    inserted: int
    already_present: int


class SendNotificationInput(_ActivityInput):
    idempotency_key: str
    participant_id: str
    recipient: Recipient
    kind: str
    subject: str
    # Never PHI: pseudonymous IDs, stage names and dates of due actions only.
    body: str
    urgent: bool = False


class NotificationReceipt(BaseModel):
    notification_id: str
    duplicate: bool = False


class OrderLabsInput(_ActivityInput):
    idempotency_key: str
    participant_id: str
    codes: list[LabCode] = Field(min_length=1)
    purpose: str
    due_by: datetime


class LabOrderReceipt(BaseModel):
    order_id: str
    duplicate: bool = False


class BookAppointmentInput(_ActivityInput):
    idempotency_key: str
    participant_id: str
    kind: AppointmentKind
    earliest: date
    latest: date
    preferred: date


class AppointmentBooking(BaseModel):
    appointment_id: str
    kind: AppointmentKind
    day: date
    duplicate: bool = False


class CancelAppointmentsInput(_ActivityInput):
    idempotency_key: str
    participant_id: str
    reason: str


class CancelledAppointments(BaseModel):
    cancelled: int


class RecordRefusedSignalInput(_ActivityInput):
    """A signal the trial ignored (no valid MAC, or a report it had already accepted), for the
    append-only `refused_actions`. Only what the engine itself knows: the receiving workflow,
    the signal's name and the engine's reason; nothing the sender wrote, so no PHI."""

    workflow_id: str = Field(max_length=200)
    signal: str = Field(max_length=100)
    refusal: str = Field(max_length=100)
    problem: str = Field(max_length=300)
    # Unique per refusal, so a retried activity adds it once.
    audit_key: str = Field(max_length=300)
