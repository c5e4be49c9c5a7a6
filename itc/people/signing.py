"""Signing a stored event: who may sign it, what the signature means, and the password
re-entered at the moment of signing (21 CFR 11.200(a)(1): each signing after the first in a
session uses at least one component, here the password, and the TOTP code once enrolled).

The person who recorded the event signs it with the meaning the action registry gives it; a
second person who may take the same action adds a "verified" signature (two-person checks
such as bedside verification of an infusion)."""

from __future__ import annotations

import asyncio
import time

from pydantic import BaseModel

from itc.actions.registry import SIGNED_BY_EVENT
from itc.base.errors import InvalidInput, UserFacingError
from itc.eventstore.store import EventStore
from itc.models.events import JourneyEvent
from itc.models.roles import SignatureMeaning
from itc.people.access_log import AccessKind, Channel
from itc.people.models import Person
from itc.people.roles import journey_roles
from itc.people.service import People
from itc.people.signatures import Signature, SignatureCheck, verify_all

# The journey records the event a moment after it accepts the Update; signing waits that long.
STORED_WAIT_SECONDS = 5.0


class SignatureRefused(UserFacingError):
    pass


class SignatureView(BaseModel):
    """A signature as every view of the record shows it."""

    person_id: str
    printed_name: str
    meaning: SignatureMeaning
    signed_at: str
    record_hash: str
    corrects_sequence: int | None
    valid: bool
    problem: str | None
    manifestation: str

    @classmethod
    def of(cls, check: SignatureCheck) -> SignatureView:
        signature = check.signature
        return cls(
            person_id=signature.person_id,
            printed_name=signature.printed_name,
            meaning=signature.meaning,
            signed_at=signature.signed_at.isoformat(),
            record_hash=signature.record_hash,
            corrects_sequence=signature.corrects_sequence,
            valid=check.valid,
            problem=check.problem,
            manifestation=signature.manifestation() + ("" if check.valid else f" — INVALID: {check.problem}"),
        )


def meaning_of(event: JourneyEvent) -> SignatureMeaning | None:
    """What the recorder's signature on this event means; None when the event carries none."""
    spec = SIGNED_BY_EVENT.get(event.type)
    return spec.signature_meaning if spec is not None and event.actor != "system" else None


def meaning_for(event: JourneyEvent, person: Person) -> SignatureMeaning:
    """The meaning of `person`'s signature on `event`, or SignatureRefused when they may not sign it."""
    spec = SIGNED_BY_EVENT.get(event.type)
    meaning = meaning_of(event)
    if spec is None or meaning is None:
        raise SignatureRefused(f"Event #{event.sequence} ({event.type.value}) does not carry a signature.")
    if person.person_id == event.actor:
        return meaning
    if any(spec.permits(role) for role in journey_roles(person.roles)):
        return SignatureMeaning.VERIFIED
    raise SignatureRefused(
        f"Only the person who recorded event #{event.sequence} signs it; a second signature (verified) "
        f"is for: {', '.join(role.value for role in spec.permitted_roles)}."
    )


async def stored_event(store: EventStore, participant_id: str, sequence: int) -> JourneyEvent:
    deadline = time.monotonic() + STORED_WAIT_SECONDS
    while True:
        event = next((e for e in await store.events_for(participant_id) if e.sequence == sequence), None)
        if event is not None:
            return event
        if time.monotonic() > deadline:
            raise InvalidInput(f"{participant_id} has no stored event #{sequence}.")
        await asyncio.sleep(0.2)


async def sign_event(
    people: People,
    store: EventStore,
    person: Person,
    participant_id: str,
    sequence: int,
    password: str,
    *,
    totp_code: str | None,
    channel: Channel,
) -> Signature:
    event = await stored_event(store, participant_id, sequence)
    meaning = meaning_for(event, person)
    # The password again, at the moment of signing; a wrong one counts towards the lockout.
    await people.accounts.authenticate(
        person.person_id, password, totp_code=totp_code, channel=channel,
        failure_kind=AccessKind.SIGNATURE_FAILED, detail={"participant_id": participant_id, "sequence": sequence},
    )  # fmt: skip
    existing = await people.signatures.for_participant(participant_id)
    if any(s.sequence == sequence and s.person_id == person.person_id for s in existing):
        raise SignatureRefused(f"You have already signed event #{sequence}.")
    return await people.signatures.sign(event, person, meaning, channel=channel)


async def signatures_by_sequence(
    people: People, participant_id: str, events: list[JourneyEvent]
) -> dict[int, list[SignatureView]]:
    """Every signature on the participant's record, each verified against the event it names."""
    checks = verify_all(await people.signatures.for_participant(participant_id), events)
    views: dict[int, list[SignatureView]] = {}
    for check in checks:
        views.setdefault(check.signature.sequence, []).append(SignatureView.of(check))
    return views
