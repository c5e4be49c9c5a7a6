"""The operations behind both the JSON API and the dashboard's forms, so a form and an API
call are checked by the same permission table and validated by the same models.

Each operation takes the request's `Permit` instead of checking the role again: the check ran
once, where the permit was issued. Reading is open to every role, so any permit lets its holder
read (a dashboard form refused by the journey shows the page again under the form's permit).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from itc.actions import STAFF_ACTION_OF, Action, allowed, refusal_message
from itc.api.auth import Permit, Principal, permit
from itc.api.context import ApiContext
from itc.api.errors import Forbidden
from itc.api.schemas import AuditEvent, ParticipantSummary, StartedJourney
from itc.base.errors import InvalidInput
from itc.base.logging import REDACTED, get_logger
from itc.eventstore.refusals import merged_trail
from itc.models.enums import Stage
from itc.models.events import JourneyEvent
from itc.models.identity import ActorIdentity
from itc.models.inputs import ActionAccepted, ParticipantId, StaffAction
from itc.models.state import JourneyStatus, TimelineEntry
from itc.people.service import People
from itc.people.signing import meaning_of, signatures_by_sequence
from itc.runtime.client_trust import acting_as as asserting
from itc.runtime.journeys import (
    get_status,
    get_timeline,
    journey_id,
    parse_consent,
    record,
    start_journey,
    validate_model,
)
from itc.runtime.settled_status import settled_status

log = get_logger(__name__)

_PARTICIPANT = TypeAdapter(ParticipantId)
ModelT = TypeVar("ModelT", bound=BaseModel)

# Kept in the event store for the trial record; not needed to supervise a journey.
AUDIT_MASKED_KEYS = frozenset({"date_of_birth"})


def check_participant_id(value: str) -> str:
    try:
        return _PARTICIPANT.validate_python(value)
    except ValidationError:
        raise InvalidInput(f"participant: {value!r} is not a study ID like ITC-007") from None


def check_stage(value: str | None) -> Stage | None:
    if value is None or value == "":
        return None
    try:
        return Stage(value)
    except ValueError:
        raise InvalidInput(
            f"stage: {value!r} is not a stage; use one of {', '.join(stage.value for stage in Stage)}"
        ) from None


def _as_dict(data: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    return data.model_dump(exclude_unset=True) if isinstance(data, BaseModel) else dict(data)


async def start(context: ApiContext, permit: Permit, data: BaseModel | Mapping[str, Any]) -> StartedJourney:
    consent = acting_as(permit, parse_consent(_as_dict(data)))
    check_site(permit, consent.site)
    with asserting(acting_identity(permit, consent)):
        workflow_id = await start_journey(context.client, consent, context.protocol, context.task_queue)
    return StartedJourney(
        participant_id=consent.participant_id,
        workflow_id=workflow_id,
        protocol_version=context.protocol.version,
        temporal_ui=context.temporal_link(workflow_id),
    )


async def record_action(
    context: ApiContext, permit: Permit, participant_id: str, data: StaffAction | Mapping[str, Any]
) -> ActionAccepted:
    """Record the staff action the permit was issued for."""
    staff_action = STAFF_ACTION_OF[permit.action]
    participant_id = check_participant_id(participant_id)
    payload = data if isinstance(data, StaffAction) else validate_model(staff_action.input_model, dict(data), "input")
    await check_participant_site(context, permit, participant_id)
    payload = acting_as(permit, payload)
    with asserting(acting_identity(permit, payload)):
        return await record(context.client, participant_id, staff_action.update, payload, refusals=context.refusals)


def acting_identity(permit: Permit, payload: BaseModel) -> ActorIdentity:
    """Who the API vouches for on an Update it sends: the one place its identity is asserted.

    The engine's client signs this into the Update's actor assertion, which the worker checks
    against the input's actor and role before the journey or the trial acts. `payload` has
    passed `acting_as`, so its role is one the signed-in person holds.
    """
    person = permit.principal.person
    role = getattr(payload, "role", None) or permit.role
    return ActorIdentity(
        person_id=person.person_id,
        full_name=person.full_name,
        roles=permit.principal.roles,
        sites=person.sites,
        acting_role=role,
    )


def acting_as(permit: Permit, payload: ModelT) -> ModelT:
    """The signed-in person is the actor, in the permit's role: a body may repeat their ID and
    one of their roles, never name another person or a role they do not hold."""
    principal = permit.principal
    claimed_actor = getattr(payload, "actor_id", None)
    if claimed_actor is not None and claimed_actor != principal.person_id:
        raise Forbidden(
            f"The request names actor {claimed_actor}, but you are signed in as {principal.person_id}: "
            "a person records only in their own name."
        )
    role = getattr(payload, "role", None) or permit.role
    if role not in principal.roles:
        held = ", ".join(held.value for held in principal.roles)
        raise Forbidden(f"The request says role {role.value}, but your account's roles are: {held}.")
    if not allowed(role, permit.action):
        raise Forbidden(refusal_message(role, permit.action))
    return payload.model_copy(update={"role": role, "actor_id": principal.person_id})


async def permit_to_read(context: ApiContext, principal: Principal) -> Permit:
    return await permit(context, principal, Action.READ)


def check_site(permit: Permit, site: str | None) -> None:
    if not permit.principal.covers_site(site):
        raise Forbidden(f"You act only on participants of your sites ({', '.join(permit.principal.person.sites)}).")


async def check_participant_site(context: ApiContext, permit: Permit, participant_id: str) -> None:
    """A person acts only on participants of their sites; the journey checks it again."""
    if permit.principal.person.sites:
        row = await context.store.status(participant_id)
        check_site(permit, row.get("site") if row else None)


async def status(context: ApiContext, permit: Permit, participant_id: str, *, settle: bool = False) -> JourneyStatus:
    participant_id = check_participant_id(participant_id)
    if settle:
        return await settled_status(context.client, participant_id)
    return await get_status(context.client, participant_id)


async def timeline(context: ApiContext, permit: Permit, participant_id: str) -> list[TimelineEntry]:
    return await get_timeline(context.client, check_participant_id(participant_id))


async def events(context: ApiContext, permit: Permit, participant_id: str) -> list[JourneyEvent]:
    """The permanent record; a journey whose first events are not stored yet has none."""
    participant_id = check_participant_id(participant_id)
    stored = await context.store.events_for(participant_id)
    if not stored:
        await get_status(context.client, participant_id)  # JourneyNotFound when there is no journey
    return stored


def mask_event(event: JourneyEvent) -> AuditEvent:
    """The audit view of one stored event; `itc audit` shows the same."""
    payload = {key: REDACTED if key in AUDIT_MASKED_KEYS else value for key, value in event.payload.items()}
    return AuditEvent.model_validate({**event.model_dump(), "payload": payload})


async def audit(context: ApiContext, permit: Permit, participant_id: str) -> list[AuditEvent]:
    """The audit trail: the stored events with their signatures, and the refused actions merged in."""
    stored = await events(context, permit, participant_id)
    refusals = await context.refusals.for_participant(check_participant_id(participant_id))
    return merged_trail(await signed_audit(context.people, stored), refusals, mask_event)


async def signed_audit(people: People, stored: list[JourneyEvent]) -> list[AuditEvent]:
    """The audit view of the events, each with its signatures verified against it."""
    if not stored:
        return []
    signatures = await signatures_by_sequence(people, stored[0].participant_id, stored)
    return [
        mask_event(event).model_copy(
            update={"signature_required": meaning_of(event), "signatures": signatures.get(event.sequence, [])}
        )
        for event in stored
    ]


async def participants(
    context: ApiContext, permit: Permit, stage: str | None = None, site: str | None = None
) -> list[ParticipantSummary]:
    wanted = check_stage(stage)
    rows = await context.store.list_status(stage=wanted.value if wanted else None, site=site or None)
    return [ParticipantSummary.model_validate(row) for row in rows]


async def statuses(
    context: ApiContext, permit: Permit, participant_ids: list[str], timeout: float
) -> dict[str, JourneyStatus | None]:
    """Live status of several journeys at once; None where a journey did not answer in time,
    so one stuck journey cannot hold a whole page."""

    async def one(participant_id: str) -> JourneyStatus | None:
        try:
            return await asyncio.wait_for(get_status(context.client, participant_id), timeout)
        except Exception as error:
            log.warning("live status unavailable", participant_id=participant_id, error_type=type(error).__name__)
            return None

    results = await asyncio.gather(*(one(pid) for pid in participant_ids))
    return dict(zip(participant_ids, results, strict=True))


def workflow_id_for(participant_id: str) -> str:
    return journey_id(participant_id)
