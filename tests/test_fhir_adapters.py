"""FHIR adapters against a local FHIR server that validates what it receives."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime

import httpx
import pytest
from fhir_fake_server import FakeFhirServer
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.journey_activities import JourneyActivities
from itc.models.activity_inputs import (
    BookAppointmentInput,
    CancelAppointmentsInput,
    OrderLabsInput,
    SendNotificationInput,
)
from itc.models.enums import AppointmentKind, Recipient
from itc.rules.lab_catalogue import LabCode
from itc.services.errors import ExternalServiceRejected, ExternalServiceUnavailable
from itc.services.fhir import (
    FhirClient,
    FhirLabService,
    FhirNotificationService,
    FhirSchedulingService,
    fhir_client,
)

KEY_SYSTEM = "https://itc-journey.example/fhir/NamingSystem/idempotency-key"
LAB_SYSTEM = "https://itc-journey.example/fhir/CodeSystem/lab-code"
KIND_SYSTEM = "https://itc-journey.example/fhir/CodeSystem/appointment-kind"

NOTIFICATION = SendNotificationInput(
    idempotency_key="journey-ITC-007:12",
    participant_id="ITC-007",
    recipient=Recipient.SAFETY_MONITOR,
    kind="dlt_detected",
    subject="DLT for ITC-007",
    body="Infusions stopped for ITC-007.",
    urgent=True,
)
LAB_ORDER = OrderLabsInput(
    idempotency_key="journey-ITC-007:3",
    participant_id="ITC-007",
    codes=[LabCode.CREATININE, LabCode.ALT],
    purpose="screening",
    due_by=datetime(2026, 3, 20, 9, tzinfo=UTC),
)


def appointment(key: str, pid: str = "ITC-007", kind: AppointmentKind = AppointmentKind.BIOPSY) -> BookAppointmentInput:
    return BookAppointmentInput(
        idempotency_key=key,
        participant_id=pid,
        kind=kind,
        earliest=date(2026, 3, 10),
        latest=date(2026, 3, 20),
        preferred=date(2026, 3, 12),
    )


@pytest.fixture(params=["R5", "R4B"])
def server(request: pytest.FixtureRequest) -> Iterator[FakeFhirServer]:
    with FakeFhirServer(request.param) as running:
        yield running


@pytest.fixture
async def client(server: FakeFhirServer) -> AsyncIterator[FhirClient]:
    fhir = fhir_client(server.base_url, version=server.state.version, timeout_seconds=5)
    try:
        yield fhir
    finally:
        await fhir.aclose()


@pytest.fixture
def acts(client: FhirClient) -> JourneyActivities:
    scheduling = FhirSchedulingService(client, site_timezone="Asia/Tehran")
    # Neither the event store nor the manufacturing slots (always the PostgreSQL service) are
    # involved in these activities.
    return JourneyActivities(
        None,  # type: ignore[arg-type]
        FhirNotificationService(client),
        FhirLabService(client),
        scheduling,
        None,  # type: ignore[arg-type]
    )


async def test_notification_is_a_communication_created_once(server: FakeFhirServer, acts: JourneyActivities) -> None:
    env = ActivityEnvironment()
    first = await env.run(acts.send_notification, NOTIFICATION)
    second = await env.run(acts.send_notification, NOTIFICATION)

    assert (first.notification_id, first.duplicate) == ("1", False)
    assert (second.notification_id, second.duplicate) == ("1", True)
    assert len(server.state.resources["Communication"]) == 1
    sent = server.state.received[0]
    assert (sent.method, sent.path) == ("POST", "/fhir/Communication")
    assert sent.headers["If-None-Exist"] == f"identifier={KEY_SYSTEM}|journey-ITC-007:12"
    assert sent.headers["Content-Type"] == "application/fhir+json"
    resource = sent.resource
    assert resource.get_resource_type() == "Communication"
    assert [(i.system, i.value) for i in resource.identifier] == [(KEY_SYSTEM, "journey-ITC-007:12")]
    assert (resource.status, resource.priority, resource.subject.reference) == (
        "preparation",
        "urgent",
        "Patient/ITC-007",
    )
    assert resource.recipient[0].identifier.value == "safety_monitor"
    assert resource.category[0].coding[0].code == "dlt_detected"
    assert resource.topic.text == "DLT for ITC-007"
    if server.state.version == "R5":
        # fhir.resources decodes base64Binary when it parses the resource.
        assert resource.payload[0].contentAttachment.data == NOTIFICATION.body.encode()
    else:
        assert resource.payload[0].contentString == NOTIFICATION.body


async def test_lab_order_is_a_service_request_with_our_codes(server: FakeFhirServer, acts: JourneyActivities) -> None:
    env = ActivityEnvironment()
    first = await env.run(acts.order_labs, LAB_ORDER)
    second = await env.run(acts.order_labs, LAB_ORDER)

    assert (first.order_id, first.duplicate, second.order_id, second.duplicate) == ("1", False, "1", True)
    sent = server.state.received[0]
    assert sent.headers["If-None-Exist"] == f"identifier={KEY_SYSTEM}|journey-ITC-007:3"
    resource = sent.resource
    assert resource.get_resource_type() == "ServiceRequest"
    assert [(i.system, i.value) for i in resource.identifier] == [(KEY_SYSTEM, "journey-ITC-007:3")]
    assert (resource.status, resource.intent, resource.subject.reference) == (
        "active",
        "order",
        "Patient/ITC-007",
    )
    concept = resource.code.concept if server.state.version == "R5" else resource.code
    assert [(c.system, c.code) for c in concept.coding] == [(LAB_SYSTEM, "creatinine"), (LAB_SYSTEM, "alt")]
    assert resource.occurrencePeriod.end == LAB_ORDER.due_by


async def test_booking_is_an_appointment_for_the_pseudonymous_patient(
    server: FakeFhirServer, acts: JourneyActivities
) -> None:
    env = ActivityEnvironment()
    first = await env.run(acts.book_appointment, appointment("journey-ITC-007:8"))
    second = await env.run(acts.book_appointment, appointment("journey-ITC-007:8"))

    assert (first.appointment_id, first.kind, first.day, first.duplicate) == (
        "1",
        AppointmentKind.BIOPSY,
        date(2026, 3, 12),
        False,
    )
    assert (second.appointment_id, second.day, second.duplicate) == ("1", date(2026, 3, 12), True)
    assert len(server.state.resources["Appointment"]) == 1
    sent = server.state.received[0]
    assert sent.headers["If-None-Exist"] == f"identifier={KEY_SYSTEM}|journey-ITC-007:8"
    resource = sent.resource
    assert resource.get_resource_type() == "Appointment"
    assert [(i.system, i.value) for i in resource.identifier] == [(KEY_SYSTEM, "journey-ITC-007:8")]
    assert resource.status == "booked"
    assert [(p.actor.reference, p.status) for p in resource.participant] == [("Patient/ITC-007", "accepted")]
    assert resource.start.isoformat() == "2026-03-12T00:00:00+03:30"
    service_type = resource.serviceType[0].concept if server.state.version == "R5" else resource.serviceType[0]
    assert [(c.system, c.code) for c in service_type.coding] == [(KIND_SYSTEM, "biopsy")]


async def test_the_booked_day_is_the_one_the_remote_scheduler_chose(
    server: FakeFhirServer, acts: JourneyActivities
) -> None:
    # 21:00 UTC on the 13th is already the 14th in Tehran.
    server.state.reschedule_start = "2026-03-13T21:00:00Z"
    booked = await ActivityEnvironment().run(acts.book_appointment, appointment("k"))
    assert booked.day == date(2026, 3, 14)


async def test_cancel_all_cancels_the_participants_booked_appointments(
    server: FakeFhirServer, acts: JourneyActivities
) -> None:
    env = ActivityEnvironment()
    await env.run(acts.book_appointment, appointment("a"))
    await env.run(acts.book_appointment, appointment("b", kind=AppointmentKind.CT_SCAN))
    await env.run(acts.book_appointment, appointment("c", pid="ITC-009"))
    request = CancelAppointmentsInput(
        idempotency_key="journey-ITC-007:40", participant_id="ITC-007", reason="withdrawal"
    )

    assert (await env.run(acts.cancel_appointments, request)).cancelled == 2
    assert (await env.run(acts.cancel_appointments, request)).cancelled == 0

    stored = server.state.resources["Appointment"]
    assert {rid: r["status"] for rid, r in stored.items()} == {
        "1": "cancelled",
        "2": "cancelled",
        "3": "booked",
    }
    reason_field = "cancellationReason" if server.state.version == "R5" else "cancelationReason"
    assert stored["1"][reason_field] == {"text": "withdrawal"}
    puts = [r for r in server.state.received if r.method == "PUT"]
    assert [(r.path, r.headers["If-Match"]) for r in puts] == [
        ("/fhir/Appointment/1", 'W/"1"'),
        ("/fhir/Appointment/2", 'W/"1"'),
    ]


async def test_a_4xx_is_a_non_retryable_rejection(server: FakeFhirServer, acts: JourneyActivities) -> None:
    server.state.fail_with = 400
    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(acts.order_labs, LAB_ORDER)
    assert (raised.value.type, raised.value.non_retryable) == ("ExternalServiceRejected", True)
    assert raised.value.message == "FHIR create ServiceRequest failed with HTTP 400 (invalid)"
    assert raised.value.details == ({"status_code": 400},)


@pytest.mark.parametrize("status", [503, 429])
async def test_a_5xx_or_throttle_stays_retryable(server: FakeFhirServer, acts: JourneyActivities, status: int) -> None:
    server.state.fail_with = status
    with pytest.raises(ExternalServiceUnavailable) as raised:
        await ActivityEnvironment().run(acts.send_notification, NOTIFICATION)
    assert not isinstance(raised.value, ApplicationError)
    assert raised.value.status_code == status
    # Once the server recovers, the retry creates the resource.
    server.state.fail_with = None
    assert (await ActivityEnvironment().run(acts.send_notification, NOTIFICATION)).duplicate is False


async def test_connection_failure_stays_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = fhir_client(f"http://127.0.0.1:{port}/fhir/", timeout_seconds=2)
    try:
        with pytest.raises(httpx.ConnectError):
            await FhirNotificationService(client).send(NOTIFICATION)
    finally:
        await client.aclose()


async def test_service_errors_carry_the_status_code(server: FakeFhirServer, client: FhirClient) -> None:
    server.state.fail_with = 422
    with pytest.raises(ExternalServiceRejected) as raised:
        await FhirSchedulingService(client).book(appointment("k"))
    assert raised.value.status_code == 422
