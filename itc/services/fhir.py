"""Service implementations that talk to external systems over FHIR (R5 by default, or R4B).

Participants are referenced as Patient/<participant_id>: the study ID is
pseudonymous, so no identifying data leaves the engine in these resources.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
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
from itc.services.fhir_client import DEFAULT_SYSTEM_BASE, FhirClient, FhirVersion

log = structlog.get_logger(__name__)

__all__ = [
    "FhirClient",
    "FhirLabService",
    "FhirNotificationService",
    "FhirSchedulingService",
    "FhirVersion",
    "fhir_client",
]


def fhir_client(
    base_url: str,
    *,
    version: FhirVersion | str = FhirVersion.R5,
    timeout_seconds: float = 10.0,
    headers: dict[str, str] | None = None,
    system_base: str = DEFAULT_SYSTEM_BASE,
) -> FhirClient:
    """A client owning its httpx.AsyncClient; `await client.aclose()` on shutdown."""
    http = httpx.AsyncClient(base_url=base_url, timeout=timeout_seconds, headers=headers)
    return FhirClient(http, version=version, system_base=system_base)


def _patient(participant_id: str) -> dict[str, str]:
    return {"reference": f"Patient/{participant_id}"}


def _concept(client: FhirClient, system_name: str, codes: list[str], text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [{"system": client.code_system(system_name), "code": c} for c in codes]}
    if text:
        concept["text"] = text
    return concept


def _codeable_reference(client: FhirClient, concept: dict[str, Any]) -> dict[str, Any]:
    # R5 moved several CodeableConcept fields to CodeableReference.
    return {"concept": concept} if client.version is FhirVersion.R5 else concept


class FhirNotificationService:
    """Sends each notification as a Communication for the site's messaging system to deliver."""

    def __init__(self, client: FhirClient) -> None:
        self._client = client

    def resource(self, request: SendNotificationInput) -> dict[str, Any]:
        client = self._client
        content: dict[str, Any]
        if client.version is FhirVersion.R5:
            # R5 dropped contentString; plain text travels as an attachment.
            content = {
                "contentAttachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(request.body.encode("utf-8")).decode("ascii"),
                }
            }
        else:
            content = {"contentString": request.body}
        return {
            "resourceType": "Communication",
            "identifier": [client.idempotency_identifier(request.idempotency_key)],
            # Preparation: queued for the receiving system to deliver.
            "status": "preparation",
            "category": [_concept(client, "notification-kind", [request.kind])],
            "priority": "urgent" if request.urgent else "routine",
            "subject": _patient(request.participant_id),
            "recipient": [
                {
                    "identifier": {
                        "system": client.code_system("recipient"),
                        "value": request.recipient.value,
                    },
                    "display": request.recipient.value,
                }
            ],
            "topic": {"text": request.subject},
            "payload": [content],
        }

    async def send(self, request: SendNotificationInput) -> NotificationReceipt:
        created = await self._client.create(self.resource(request), request.idempotency_key)
        log.info(
            "notification_sent",
            participant_id=request.participant_id,
            recipient=request.recipient.value,
            kind=request.kind,
            duplicate=created.duplicate,
        )
        return NotificationReceipt(notification_id=created.resource_id, duplicate=created.duplicate)


class FhirLabService:
    """Orders labs as one ServiceRequest whose code lists every requested test."""

    def __init__(self, client: FhirClient) -> None:
        self._client = client

    def resource(self, request: OrderLabsInput) -> dict[str, Any]:
        client = self._client
        codes = _concept(client, "lab-code", [code.value for code in request.codes])
        purpose = {"text": request.purpose}
        resource: dict[str, Any] = {
            "resourceType": "ServiceRequest",
            "identifier": [client.idempotency_identifier(request.idempotency_key)],
            "status": "active",
            "intent": "order",
            "priority": "routine",
            "code": _codeable_reference(client, codes),
            "subject": _patient(request.participant_id),
            "occurrencePeriod": {"end": request.due_by.isoformat()},
        }
        if client.version is FhirVersion.R5:
            resource["reason"] = [{"concept": purpose}]
        else:
            resource["reasonCode"] = [purpose]
        return resource

    async def order(self, request: OrderLabsInput) -> LabOrderReceipt:
        created = await self._client.create(self.resource(request), request.idempotency_key)
        log.info(
            "labs_ordered",
            participant_id=request.participant_id,
            codes=[code.value for code in request.codes],
            duplicate=created.duplicate,
        )
        return LabOrderReceipt(order_id=created.resource_id, duplicate=created.duplicate)


class FhirSchedulingService:
    """Books whole-day Appointments; the remote system may move them within requestedPeriod.

    Days are calendar days in the site's time zone, so the start and end sent
    are that day's midnights there.
    """

    def __init__(self, client: FhirClient, *, site_timezone: str = "UTC") -> None:
        self._client = client
        # UTC needs no tz database, which slim container images may lack.
        self._tz = UTC if site_timezone == "UTC" else ZoneInfo(site_timezone)

    def resource(self, request: BookAppointmentInput) -> dict[str, Any]:
        client = self._client
        start = datetime.combine(request.preferred, time(0), self._tz)
        resource: dict[str, Any] = {
            "resourceType": "Appointment",
            "identifier": [client.idempotency_identifier(request.idempotency_key)],
            "status": "booked",
            "serviceType": [_codeable_reference(client, _concept(client, "appointment-kind", [request.kind.value]))],
            "start": start.isoformat(),
            "end": (start + timedelta(days=1)).isoformat(),
            "requestedPeriod": [{"start": request.earliest.isoformat(), "end": request.latest.isoformat()}],
            "participant": [{"actor": _patient(request.participant_id), "status": "accepted"}],
        }
        if client.version is FhirVersion.R5:
            resource["subject"] = _patient(request.participant_id)
        return resource

    async def book(self, request: BookAppointmentInput) -> AppointmentBooking:
        created = await self._client.create(self.resource(request), request.idempotency_key)
        day = self._booked_day(created.body) or request.preferred
        log.info(
            "appointment_booked",
            participant_id=request.participant_id,
            kind=request.kind.value,
            day=day.isoformat(),
            duplicate=created.duplicate,
        )
        return AppointmentBooking(
            appointment_id=created.resource_id, kind=request.kind, day=day, duplicate=created.duplicate
        )

    async def cancel_all(self, request: CancelAppointmentsInput) -> CancelledAppointments:
        client = self._client
        booked = await client.search(
            "Appointment",
            {"patient": f"Patient/{request.participant_id}", "status": "booked", "_count": "100"},
        )
        reason_field = "cancellationReason" if client.version is FhirVersion.R5 else "cancelationReason"
        for appointment in booked:
            appointment = {**appointment, "status": "cancelled", reason_field: {"text": request.reason}}
            await client.update(appointment)
        log.info("appointments_cancelled", participant_id=request.participant_id, cancelled=len(booked))
        return CancelledAppointments(cancelled=len(booked))

    def _booked_day(self, body: dict[str, Any] | None) -> date | None:
        start = (body or {}).get("start")
        if not start:
            return None
        return datetime.fromisoformat(start).astimezone(self._tz).date()
