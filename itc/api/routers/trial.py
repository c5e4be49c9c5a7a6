"""The trial as a whole: enrolment against the target, DLTs against the stopping boundary,
the safety pause, open SAE clocks; and a supervisor's resume with its recorded reason."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from itc.actions import Action
from itc.api.auth import Permit, Principal, authenticated, require
from itc.api.context import ApiContext, get_context
from itc.api.errors import ERROR_RESPONSES, WRITE_ERROR_RESPONSES, Problem
from itc.api.operations import acting_as, acting_identity
from itc.api.routers.signatures import SignRequest
from itc.models.trial import ResumeTrialInput, TrialStatus
from itc.people.access_log import Channel
from itc.people.signing import sign_trial_decision
from itc.people.trial_signatures import TrialSignatureView, verified_by_sequence
from itc.runtime.client_trust import acting_as as asserting
from itc.runtime.trials import get_trial_status, resume_trial

router = APIRouter(prefix="/api/trial", tags=["trial"], responses=ERROR_RESPONSES)

Reader = Annotated[Permit, Depends(require(Action.READ))]
Resumer = Annotated[Permit, Depends(require(Action.TRIAL_RESUME))]
Context = Annotated[ApiContext, Depends(get_context)]
NOT_STARTED: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No participant has been enrolled yet"}
}


@router.get("", summary="Trial status", responses=NOT_STARTED)
async def trial_status(permit: Reader, context: Context) -> TrialStatus:
    return await get_trial_status(context.client, context.protocol)


@router.post(
    "/resume",
    summary="Resume after a safety pause",
    description="Supervisors only; the reason is recorded with the decision.",
    responses={**NOT_STARTED, **WRITE_ERROR_RESPONSES},
)
async def trial_resume(body: ResumeTrialInput, permit: Resumer, context: Context) -> TrialStatus:
    resume = acting_as(permit, body)
    with asserting(acting_identity(permit, resume)):
        return await resume_trial(context.client, context.protocol, resume)


@router.post(
    "/decisions/{sequence}/signature",
    summary="Sign a trial decision",
    description=(
        "The supervisor who resumed the trial signs the resume (approved) by re-entering the password; "
        "another supervisor may add a 'verified' signature. A wrong password is refused and logged."
    ),
    status_code=201,
    responses={**NOT_STARTED, **WRITE_ERROR_RESPONSES},
)
async def sign_decision(
    sequence: Annotated[int, Path(ge=1, description="The decision's place in the trial's decisions, from 1.")],
    body: SignRequest,
    principal: Annotated[Principal, Depends(authenticated)],
    context: Context,
) -> TrialSignatureView:
    trial_id = context.protocol.trial_id
    decisions = (await get_trial_status(context.client, context.protocol)).decisions
    signature = await sign_trial_decision(
        context.people, principal.person, trial_id, decisions, sequence, body.password,
        totp_code=body.totp_code, channel=Channel.API,
    )  # fmt: skip
    views = await verified_by_sequence(context.people.trial_signatures, trial_id, decisions)
    return next(view for view in views[sequence] if view.person_id == signature.person_id)


@router.get("/signatures", summary="Signatures on the trial's decisions, each verified", responses=NOT_STARTED)
async def trial_signatures(permit: Reader, context: Context) -> dict[int, list[TrialSignatureView]]:
    decisions = (await get_trial_status(context.client, context.protocol)).decisions
    return await verified_by_sequence(context.people.trial_signatures, context.protocol.trial_id, decisions)
