"""Manufacturing slots over FHIR: the site's capacity as a `Schedule` with one `Slot` a run (a week
long, free or busy), and each reservation as a booked `Appointment` that names its slot.

The site's scheduling system publishes the Slots (`publish_capacity` does it for a site that has
none). Double booking is refused by the server's optimistic locking: a slot is claimed by updating
it to busy with If-Match on the version just read, so of two journeys racing for one slot, one
gets 412 and tries the next. The claim carries the reservation's key, so a retry that lost its
answer finds the slot it claimed; the Appointment is a conditional create on the same key. A move
books the new week first and cancels the old one after (saga order: she never holds none while a
week had room). Participants are Patient/<participant_id>, as in the other FHIR adapters.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import structlog

from itc.models.slots import ReleasedSlot, ReleaseSlotInput, ReserveSlotInput, SlotReservation, WeekSlots, week_of
from itc.services.errors import ExternalServiceUnavailable, IdempotencyConflict, NoCapacityError
from itc.services.fhir import _codeable_reference as codeable_reference
from itc.services.fhir import _concept as concept
from itc.services.fhir import _patient as patient
from itc.services.fhir_client import FhirClient, FhirVersion
from itc.services.slot_log import log_slot_reserved

log = structlog.get_logger(__name__)

WEEK = timedelta(days=7)
SERVICE_TYPE = "manufacturing_slot"
# Answers to a claim that lost the race for a slot: another journey updated it first.
_LOST_RACE = frozenset({409, 412})


class FhirManufacturingSlots:
    def __init__(self, client: FhirClient, *, site: str = "default") -> None:
        self._client = client
        self._site = site

    # ------------------------------------------------------------------ resources

    @property
    def _slot_system(self) -> str:
        return f"{self._client.system_base}/NamingSystem/manufacturing-slot"

    @property
    def _claim_system(self) -> str:
        # Which reservation claimed a busy slot: a retry that lost its answer finds its claim here.
        return f"{self._client.system_base}/NamingSystem/manufacturing-slot-claim"

    def _slot_identifier(self, week: date, number: int) -> dict[str, str]:
        return {"system": self._slot_system, "value": f"{self._site}:{week.isoformat()}:{number}"}

    def schedule_resource(self) -> dict[str, Any]:
        client = self._client
        return {
            "resourceType": "Schedule",
            "identifier": [{"system": f"{client.system_base}/NamingSystem/manufacturing-site", "value": self._site}],
            "active": True,
            "actor": [{"display": f"Manufacturing site {self._site}"}],
            "comment": "Manufacturing runs the site can start, one slot a run, a week long",
        }

    def slot_resource(self, schedule_id: str, week: date, number: int) -> dict[str, Any]:
        start = datetime.combine(week, time(0), UTC)
        return {
            "resourceType": "Slot",
            "identifier": [self._slot_identifier(week, number)],
            "schedule": {"reference": f"Schedule/{schedule_id}"},
            "status": "free",
            "start": start.isoformat(),
            "end": (start + WEEK).isoformat(),
        }

    def appointment_resource(self, request: ReserveSlotInput, slot: dict[str, Any]) -> dict[str, Any]:
        client = self._client
        resource: dict[str, Any] = {
            "resourceType": "Appointment",
            "identifier": [client.idempotency_identifier(request.idempotency_key), self._slot_id_of(slot)],
            "status": "booked",
            "serviceType": [codeable_reference(client, concept(client, "appointment-kind", [SERVICE_TYPE]))],
            "slot": [{"reference": f"Slot/{slot['id']}"}],
            "start": slot["start"],
            "end": slot["end"],
            "requestedPeriod": [{"start": request.earliest.isoformat(), "end": request.latest.isoformat()}],
            "participant": [{"actor": patient(request.participant_id), "status": "accepted"}],
        }
        if client.version is FhirVersion.R5:
            resource["subject"] = patient(request.participant_id)
        return resource

    async def publish_capacity(self, first_week: date, weeks: int, per_week: int) -> None:
        """Create the site's Schedule and `per_week` free Slots a week; a repeat creates nothing."""
        schedule = await self._create_once(self.schedule_resource(), f"schedule:{self._site}")
        for i in range(weeks):
            week = week_of(first_week) + WEEK * i
            for number in range(per_week):
                slot = self.slot_resource(schedule, week, number)
                await self._create_once(slot, f"slot:{self._slot_identifier(week, number)['value']}")

    async def _create_once(self, resource: dict[str, Any], key: str) -> str:
        resource["identifier"].append(self._client.idempotency_identifier(key))
        return (await self._client.create(resource, key)).resource_id

    # ------------------------------------------------------------------ the service

    async def reserve_slot(self, request: ReserveSlotInput) -> SlotReservation:
        answer = await self._earlier_answer(request)
        if answer is None:
            held = [a for a in await self._held(request.participant_id) if a["id"] != request.moving_from]
            if held:
                # She already holds one (reserved under an earlier key): that is her slot.
                return self._reservation(held[0], duplicate=True)
            answer = await self._reserve_new(request)
        if request.moving_from is not None:
            # Only once the new week is hers: a move that finds no room leaves the old one held.
            await self._cancel(request.participant_id, request.moving_from, "moved to a later week", None)
        log_slot_reserved(log, request.participant_id, answer)
        return answer

    async def release_slot(self, request: ReleaseSlotInput) -> ReleasedSlot:
        client = self._client
        earlier = await client.search("Appointment", {"identifier": _token(client, request.idempotency_key)})
        if earlier:
            if any(_patient_of(a) != request.participant_id for a in earlier):
                raise IdempotencyConflict("this release key was used for another participant")
            # The slot may still be busy if the first attempt stopped between the two updates.
            for appointment in earlier:
                await self._free(appointment)
            return ReleasedSlot(released=min(1, len(earlier)), duplicate=True)
        released = 0
        for appointment in await self._held(request.participant_id):
            await self._cancel(request.participant_id, appointment["id"], request.reason, request.idempotency_key)
            released = 1
        log.info("manufacturing_slot_released", participant_id=request.participant_id, released=released)
        return ReleasedSlot(released=released)

    async def weeks_ahead(self, first_week: date, weeks: int) -> list[WeekSlots]:
        start = week_of(first_week)
        found = []
        for i in range(weeks):
            week = start + WEEK * i
            slots = await self._week_slots(week, status=None)
            found.append(
                WeekSlots(week_start=week, capacity=len(slots), reserved=sum(s["status"] == "busy" for s in slots))
            )
        return found

    # ------------------------------------------------------------------ steps

    async def _earlier_answer(self, request: ReserveSlotInput) -> SlotReservation | None:
        """The answer a first attempt with this key gave, or the slot it claimed before it was lost."""
        client = self._client
        key = _token(client, request.idempotency_key)
        booked = await client.search("Appointment", {"identifier": key})
        if booked:
            appointment = booked[0]
            period = appointment.get("requestedPeriod", [{}])[0]
            asked = (_patient_of(appointment), period.get("start"), period.get("end"))
            if asked != (request.participant_id, request.earliest.isoformat(), request.latest.isoformat()):
                raise IdempotencyConflict("this reservation key was used for another participant or window")
            return self._reservation(appointment, duplicate=True)
        claimed = await client.search("Slot", {"identifier": f"{self._claim_system}|{request.idempotency_key}"})
        if claimed:
            return await self._book(request, claimed[0])
        return None

    async def _reserve_new(self, request: ReserveSlotInput) -> SlotReservation:
        week = week_of(request.earliest)
        while week <= week_of(request.latest):
            for slot in sorted(await self._week_slots(week, status="free"), key=lambda s: self._number(s)):
                claimed = await self._claim(slot, request.idempotency_key)
                if claimed is not None:
                    return await self._book(request, claimed)
            week += WEEK
        raise NoCapacityError(
            f"no manufacturing slot free in the weeks of {request.earliest.isoformat()} to {request.latest.isoformat()}"
        )

    async def _claim(self, slot: dict[str, Any], key: str) -> dict[str, Any] | None:
        """Mark the slot busy under this key; None when another journey took it first."""
        claimed = {
            **slot,
            "status": "busy",
            "identifier": [*slot["identifier"], {"system": self._claim_system, "value": key}],
        }
        try:
            await self._client.update(claimed)
        except ExternalServiceUnavailable as err:
            if err.status_code in _LOST_RACE:
                return None
            raise
        return claimed

    async def _book(self, request: ReserveSlotInput, slot: dict[str, Any]) -> SlotReservation:
        resource = self.appointment_resource(request, slot)
        created = await self._client.create(resource, request.idempotency_key)
        return self._reservation({**resource, "id": created.resource_id}, duplicate=created.duplicate)

    async def _cancel(self, participant_id: str, appointment_id: str, reason: str, release_key: str | None) -> None:
        client = self._client
        for appointment in await self._held(participant_id):
            if appointment["id"] != appointment_id:
                continue
            reason_field = "cancellationReason" if client.version is FhirVersion.R5 else "cancelationReason"
            identifiers = appointment.get("identifier", [])
            if release_key is not None:
                identifiers = [*identifiers, client.idempotency_identifier(release_key)]
            cancelled = {
                **appointment,
                "status": "cancelled",
                reason_field: {"text": reason},
                "identifier": identifiers,
            }
            await client.update(cancelled)
            await self._free(cancelled)

    async def _free(self, appointment: dict[str, Any]) -> None:
        """Set the appointment's slot free again and drop its claim; nothing when it already is."""
        client = self._client
        slot_id = self._slot_id_of(appointment)
        for slot in await client.search("Slot", {"identifier": f"{slot_id['system']}|{slot_id['value']}"}):
            if slot["status"] == "free":
                continue
            unclaimed = [i for i in slot["identifier"] if i["system"] != self._claim_system]
            await client.update({**slot, "status": "free", "identifier": unclaimed})

    async def _held(self, participant_id: str) -> list[dict[str, Any]]:
        booked = await self._client.search(
            "Appointment", {"patient": f"Patient/{participant_id}", "status": "booked", "_count": "100"}
        )
        return [a for a in booked if any(i["system"] == self._slot_system for i in a.get("identifier", []))]

    async def _week_slots(self, week: date, status: str | None) -> list[dict[str, Any]]:
        params = {"identifier": f"{self._slot_system}|", "start": week.isoformat(), "_count": "1000"}
        if status is not None:
            params["status"] = status
        slots = await self._client.search("Slot", params)
        return [s for s in slots if self._slot_id_of(s)["value"].startswith(f"{self._site}:{week.isoformat()}:")]

    def _slot_id_of(self, resource: dict[str, Any]) -> dict[str, str]:
        found: dict[str, str] = next(i for i in resource["identifier"] if i["system"] == self._slot_system)
        return {"system": found["system"], "value": found["value"]}

    def _number(self, resource: dict[str, Any]) -> int:
        return int(self._slot_id_of(resource)["value"].rsplit(":", 1)[1])

    def _reservation(self, appointment: dict[str, Any], *, duplicate: bool) -> SlotReservation:
        _, week, number = self._slot_id_of(appointment)["value"].rsplit(":", 2)
        return SlotReservation(
            reservation_id=appointment["id"],
            week_start=date.fromisoformat(week),
            slot_number=int(number),
            duplicate=duplicate,
        )


def _token(client: FhirClient, key: str) -> str:
    return f"{client.idempotency_system}|{key}"


def _patient_of(appointment: dict[str, Any]) -> str:
    reference: str = appointment["participant"][0]["actor"]["reference"]
    return reference.removeprefix("Patient/")
