"""The FHIR adapter for manufacturing slots against the local FHIR server that validates what it
receives (tests/fhir_fake_server.py, as for the other FHIR adapters): the site's capacity as FHIR
`Schedule` and `Slot` resources (free/busy), a reservation as an `Appointment` naming its slot,
idempotent under retries as the PostgreSQL service is."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import fhir.resources
import fhir.resources.R4B
import pytest
import test_fhir_adapters
from fhir_fake_server import FakeFhirServer

from itc.models.slots import ReleaseSlotInput, ReserveSlotInput
from itc.services.errors import IdempotencyConflict, NoCapacityError
from itc.services.fhir_client import FhirClient
from itc.services.fhir_slots import FhirManufacturingSlots

# The same validating FHIR server and client as the other adapters' tests, R5 and R4B.
server = test_fhir_adapters.server
client = test_fhir_adapters.client

MONDAY = date(2026, 6, 1)
WEEK = timedelta(days=7)


def reserve(key: str, pid: str, earliest: date = MONDAY, latest: date = MONDAY + WEEK) -> ReserveSlotInput:
    return ReserveSlotInput(idempotency_key=key, participant_id=pid, earliest=earliest, latest=latest)


@pytest.fixture
def slots(client: FhirClient) -> FhirManufacturingSlots:
    return FhirManufacturingSlots(client)


def _stored(server: FakeFhirServer, resource_type: str) -> list[dict]:
    return list(server.state.resources.get(resource_type, {}).values())


def _validate(server: FakeFhirServer, resource: dict) -> None:
    module = fhir.resources.R4B if server.state.version == "R4B" else fhir.resources
    module.get_fhir_model_class(resource["resourceType"]).model_validate(resource)


async def test_capacity_is_a_schedule_of_week_long_slots_that_validate(
    server: FakeFhirServer, slots: FhirManufacturingSlots
) -> None:
    await slots.publish_capacity(MONDAY, 3, 2)
    await slots.publish_capacity(MONDAY, 3, 2)  # a repeat creates nothing
    assert len(_stored(server, "Schedule")) == 1 and len(_stored(server, "Slot")) == 6
    for resource in _stored(server, "Schedule") + _stored(server, "Slot"):
        _validate(server, resource)
    slot = _stored(server, "Slot")[0]
    assert slot["status"] == "free" and slot["schedule"]["reference"].startswith("Schedule/")
    weeks = await slots.weeks_ahead(MONDAY + timedelta(days=2), 3)
    assert [(w.week_start, w.capacity, w.reserved) for w in weeks] == [(MONDAY + WEEK * i, 2, 0) for i in range(3)]


async def test_a_reservation_is_an_appointment_on_a_busy_slot_and_a_retry_gets_it_again(
    server: FakeFhirServer, slots: FhirManufacturingSlots
) -> None:
    await slots.publish_capacity(MONDAY, 2, 1)
    first = await slots.reserve_slot(reserve("journey-ITC-007:12:slot-1", "ITC-007"))
    again = await slots.reserve_slot(reserve("journey-ITC-007:12:slot-1", "ITC-007"))
    assert (first.week_start, first.slot_number, first.duplicate) == (MONDAY, 0, False)
    assert (again.reservation_id, again.duplicate) == (first.reservation_id, True)
    [appointment] = _stored(server, "Appointment")
    _validate(server, appointment)
    busy = [s for s in _stored(server, "Slot") if s["status"] == "busy"]
    assert len(busy) == 1 and appointment["slot"] == [{"reference": f"Slot/{busy[0]['id']}"}]
    assert appointment["participant"][0]["actor"] == {"reference": "Patient/ITC-007"}
    # She holds one: asked again under another key, that is her slot.
    assert (await slots.reserve_slot(reserve("journey-ITC-007:20:slot-2", "ITC-007"))).reservation_id == (
        first.reservation_id
    )
    with pytest.raises(IdempotencyConflict):
        await slots.reserve_slot(reserve("journey-ITC-007:12:slot-1", "ITC-008"))
    second = await slots.reserve_slot(reserve("journey-ITC-008:12:slot-1", "ITC-008"))
    assert second.week_start == MONDAY + WEEK
    with pytest.raises(NoCapacityError):
        await slots.reserve_slot(reserve("journey-ITC-009:12:slot-1", "ITC-009"))


async def test_two_journeys_racing_for_one_slot_never_both_get_it(
    server: FakeFhirServer, slots: FhirManufacturingSlots
) -> None:
    """The server's version check (If-Match) refuses the second claim of a slot, as the unique
    index does in PostgreSQL: the loser takes the next week's slot, or none."""
    await slots.publish_capacity(MONDAY, 2, 1)
    racing = [reserve(f"journey-ITC-10{i}:9:slot-1", f"ITC-10{i}") for i in range(3)]
    results = await asyncio.gather(*(slots.reserve_slot(r) for r in racing), return_exceptions=True)
    held = [r for r in results if not isinstance(r, BaseException)]
    assert sorted(r.week_start for r in held) == [MONDAY, MONDAY + WEEK]
    assert all(isinstance(r, NoCapacityError) for r in results if isinstance(r, BaseException))
    assert len([s for s in _stored(server, "Slot") if s["status"] == "busy"]) == 2


async def test_a_release_frees_the_slot_once_and_a_retry_answers_as_the_first(
    server: FakeFhirServer, slots: FhirManufacturingSlots
) -> None:
    await slots.publish_capacity(MONDAY, 1, 1)
    await slots.reserve_slot(reserve("journey-ITC-007:12:slot-1", "ITC-007"))
    release = ReleaseSlotInput(
        idempotency_key="journey-ITC-007:40:release-slot", participant_id="ITC-007", reason="withdrawn"
    )
    freed = await slots.release_slot(release)
    retried = await slots.release_slot(release)
    assert (freed.released, freed.duplicate) == (1, False)
    assert (retried.released, retried.duplicate) == (1, True)
    [appointment] = _stored(server, "Appointment")
    _validate(server, appointment)
    assert appointment["status"] == "cancelled"
    assert [s["status"] for s in _stored(server, "Slot")] == ["free"]
    with pytest.raises(IdempotencyConflict):
        await slots.release_slot(release.model_copy(update={"participant_id": "ITC-008"}))
    # The freed slot is free to the next participant.
    taken = await slots.reserve_slot(reserve("journey-ITC-008:12:slot-1", "ITC-008", MONDAY, MONDAY))
    assert taken.week_start == MONDAY


async def test_a_move_books_the_new_week_before_freeing_the_old(
    server: FakeFhirServer, slots: FhirManufacturingSlots
) -> None:
    await slots.publish_capacity(MONDAY, 3, 1)
    old = await slots.reserve_slot(reserve("journey-ITC-007:12:slot-1", "ITC-007", MONDAY, MONDAY))
    await slots.reserve_slot(reserve("journey-ITC-008:12:slot-1", "ITC-008", MONDAY + WEEK, MONDAY + WEEK))
    into_full = reserve("journey-ITC-007:30:slot-2", "ITC-007", MONDAY + WEEK, MONDAY + WEEK)
    with pytest.raises(NoCapacityError):
        await slots.reserve_slot(into_full.model_copy(update={"moving_from": old.reservation_id}))
    assert [(w.reserved) for w in await slots.weeks_ahead(MONDAY, 3)] == [1, 1, 0]

    move = reserve("journey-ITC-007:31:slot-3", "ITC-007", MONDAY + WEEK, MONDAY + 2 * WEEK).model_copy(
        update={"moving_from": old.reservation_id}
    )
    moved = await slots.reserve_slot(move)
    again = await slots.reserve_slot(move)
    assert moved.week_start == MONDAY + 2 * WEEK and (again.reservation_id, again.duplicate) == (
        moved.reservation_id,
        True,
    )
    assert [w.reserved for w in await slots.weeks_ahead(MONDAY, 3)] == [0, 1, 1]
    statuses = {a["id"]: a["status"] for a in _stored(server, "Appointment")}
    assert statuses[old.reservation_id] == "cancelled" and statuses[moved.reservation_id] == "booked"
