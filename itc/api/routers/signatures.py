"""Electronic signatures over the API: sign a stored event by re-entering your password, and
read a participant's signatures, each verified against the event it names."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from itc.actions import Action
from itc.api import operations
from itc.api.auth import Permit, Principal, authenticated, require
from itc.api.context import ApiContext, get_context
from itc.api.errors import WRITE_ERROR_RESPONSES
from itc.api.routers.params import JOURNEY_NOT_FOUND, ParticipantPath
from itc.people.access_log import Channel
from itc.people.signing import SignatureView, sign_event, signatures_by_sequence

router = APIRouter(prefix="/api/journeys", tags=["signatures"], responses=WRITE_ERROR_RESPONSES)

Context = Annotated[ApiContext, Depends(get_context)]
Reader = Annotated[Permit, Depends(require(Action.READ))]


class SignRequest(BaseModel):
    password: str = Field(max_length=1024, description="Your password, re-entered at the moment of signing.")
    totp_code: str | None = Field(default=None, max_length=12)


@router.post(
    "/{participant_id}/events/{sequence}/signature",
    summary="Sign a stored event",
    description=(
        "The recorder signs with the meaning the action registry gives the action; a second person who may "
        "take the action adds a 'verified' signature. A wrong password is refused and logged."
    ),
    status_code=201,
    responses=JOURNEY_NOT_FOUND,
)
async def sign(
    participant_id: ParticipantPath,
    sequence: Annotated[int, Path(ge=1)],
    body: SignRequest,
    principal: Annotated[Principal, Depends(authenticated)],
    context: Context,
) -> SignatureView:
    participant_id = operations.check_participant_id(participant_id)
    permit = await operations.permit_to_read(context, principal)
    await operations.check_participant_site(context, permit, participant_id)
    signature = await sign_event(
        context.people, context.store, principal.person, participant_id, sequence, body.password,
        totp_code=body.totp_code, channel=Channel.API,
    )  # fmt: skip
    events = await context.store.events_for(participant_id)
    views = await signatures_by_sequence(context.people, participant_id, events)
    return next(view for view in views[sequence] if view.person_id == signature.person_id)


@router.get("/{participant_id}/signatures", summary="Signatures, each verified", responses=JOURNEY_NOT_FOUND)
async def signatures(
    participant_id: ParticipantPath, permit: Reader, context: Context
) -> dict[int, list[SignatureView]]:
    events = await operations.events(context, permit, participant_id)
    return await signatures_by_sequence(context.people, operations.check_participant_id(participant_id), events)
