"""The trial as a whole: enrolment against the target, DLTs against the stopping boundary,
the safety pause, open SAE clocks; and a supervisor's resume with its recorded reason."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from itc.actions import Action
from itc.api.auth import Permit, require
from itc.api.context import ApiContext, get_context
from itc.api.errors import ERROR_RESPONSES, WRITE_ERROR_RESPONSES, Problem
from itc.api.operations import acting_as, acting_identity
from itc.models.trial import ResumeTrialInput, TrialStatus
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
