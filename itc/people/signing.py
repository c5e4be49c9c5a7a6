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

from itc.actions.registry import SIGNED_BY_EVENT, SIGNED_BY_TRIAL_DECISION
from itc.base.errors import InvalidInput, UserFacingError
from itc.eventstore.store import EventStore
from itc.models.events import JourneyEvent
from itc.models.roles import SignatureMeaning
from itc.models.trial import TrialDecision
from itc.people.access_log import AccessKind, Channel
from itc.people.models import Person
from itc.people.roles import journey_roles
from itc.people.service import People
from itc.people.signatures import Signature, SignatureCheck, verify_all
from itc.people.trial_signatures import TrialSignature

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
    """What the signature this event awaits means; None when the event carries none."""
    spec = SIGNED_BY_EVENT.get(event.type)
    if spec is None or event.actor == "system":
        return None
    if any(str(event.payload.get(key)) != value for key, value in spec.signed_payload):
        return None
    return spec.signature_meaning


def meaning_for(event: JourneyEvent, person: Person) -> SignatureMeaning:
    """The meaning of `person`'s signature on `event`, or SignatureRefused when they may not sign it."""
    spec = SIGNED_BY_EVENT.get(event.type)
    meaning = meaning_of(event)
    if spec is None or meaning is None:
        raise SignatureRefused(f"Event #{event.sequence} ({event.type.value}) does not carry a signature.")
    roles = journey_roles(person.roles)
    if spec.approving_role is not None:
        # The approval is the approving role's, whoever recorded the event; the recorder of
        # another role signs for what they did.
        if spec.approving_role in roles:
            return meaning
        if person.person_id == event.actor:
            return SignatureMeaning.PERFORMED
        raise SignatureRefused(
            f"Event #{event.sequence} is approved by the {spec.approving_role.value} role; "
            "its recorder may sign it as performed."
        )
    if person.person_id == event.actor:
        return meaning
    if any(spec.permits(role) for role in roles):
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
    return await _record_event_signature(people, event, person, meaning, channel)


async def sign_event_reauthenticated(
    people: People, store: EventStore, person: Person, participant_id: str, sequence: int, *, channel: Channel
) -> Signature:
    """Sign once the identity provider has authenticated the person again for this signature
    (the caller checked the ID token's `auth_time` against when the signing began)."""
    event = await stored_event(store, participant_id, sequence)
    return await _record_event_signature(people, event, person, meaning_for(event, person), channel)


async def _record_event_signature(
    people: People, event: JourneyEvent, person: Person, meaning: SignatureMeaning, channel: Channel
) -> Signature:
    existing = await people.signatures.for_participant(event.participant_id)
    if any(s.sequence == event.sequence and s.person_id == person.person_id for s in existing):
        raise SignatureRefused(f"You have already signed event #{event.sequence}.")
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


def trial_meaning_of(decision: TrialDecision) -> SignatureMeaning | None:
    """What the signature a trial decision awaits means; None for one the trial made itself (a pause)."""
    spec = SIGNED_BY_TRIAL_DECISION.get(decision.action)
    return spec.signature_meaning if spec is not None and decision.actor != "system" else None


def trial_meaning_for(decision: TrialDecision, sequence: int, person: Person) -> SignatureMeaning:
    """The recorder signs a trial decision with its meaning; a second person who may take it, verified."""
    spec = SIGNED_BY_TRIAL_DECISION.get(decision.action)
    meaning = trial_meaning_of(decision)
    if spec is None or meaning is None:
        raise SignatureRefused(f"Trial decision #{sequence} ({decision.action}) does not carry a signature.")
    if person.person_id == decision.actor:
        return meaning
    if any(spec.permits(role) for role in journey_roles(person.roles)):
        return SignatureMeaning.VERIFIED
    raise SignatureRefused(
        f"Only the person who made trial decision #{sequence} signs it; a second signature (verified) "
        f"is for: {', '.join(role.value for role in spec.permitted_roles)}."
    )


async def sign_trial_decision(
    people: People,
    person: Person,
    trial_id: str,
    decisions: list[TrialDecision],
    sequence: int,
    password: str,
    *,
    totp_code: str | None,
    channel: Channel,
) -> TrialSignature:
    decision = trial_decision(decisions, sequence)
    meaning = trial_meaning_for(decision, sequence, person)
    await people.accounts.authenticate(
        person.person_id, password, totp_code=totp_code, channel=channel,
        failure_kind=AccessKind.SIGNATURE_FAILED, detail={"trial_id": trial_id, "decision": sequence},
    )  # fmt: skip
    return await _record_trial_signature(people, person, trial_id, decision, sequence, meaning, channel)


async def sign_trial_decision_reauthenticated(
    people: People, person: Person, trial_id: str, decisions: list[TrialDecision], sequence: int, *, channel: Channel
) -> TrialSignature:
    decision = trial_decision(decisions, sequence)
    meaning = trial_meaning_for(decision, sequence, person)
    return await _record_trial_signature(people, person, trial_id, decision, sequence, meaning, channel)


def trial_decision(decisions: list[TrialDecision], sequence: int) -> TrialDecision:
    if not 1 <= sequence <= len(decisions):
        raise InvalidInput(f"The trial has no decision #{sequence}.")
    return decisions[sequence - 1]


async def _record_trial_signature(
    people: People, person: Person, trial_id: str, decision: TrialDecision, sequence: int,
    meaning: SignatureMeaning, channel: Channel,
) -> TrialSignature:  # fmt: skip
    existing = await people.trial_signatures.for_trial(trial_id)
    if any(s.sequence == sequence and s.person_id == person.person_id for s in existing):
        raise SignatureRefused(f"You have already signed trial decision #{sequence}.")
    return await people.trial_signatures.sign(trial_id, sequence, decision, person, meaning, channel=channel)
