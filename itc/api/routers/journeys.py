"""POST /api/journeys: start a participant's journey from a signed consent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from itc.api import operations
from itc.api.auth import Principal, require
from itc.api.context import ApiContext, get_context
from itc.api.errors import ERROR_RESPONSES, Problem
from itc.api.schemas import StartedJourney
from itc.models.inputs import ConsentRecord
from itc.models.roles import Action

router = APIRouter(prefix="/api/journeys", tags=["journeys"], responses=ERROR_RESPONSES)


@router.post(
    "",
    status_code=201,
    summary="Start a journey",
    description="Informed consent is signed: start the participant's journey. Role: operations.",
    responses={409: {"model": Problem, "description": "The participant already has a journey, or enrolment is closed"}},
)
async def start_journey(
    consent: ConsentRecord,
    principal: Annotated[Principal, Depends(require(Action.START))],
    context: Annotated[ApiContext, Depends(get_context)],
) -> StartedJourney:
    return await operations.start(context, principal, consent)
