"""POST /api/journeys: start a participant's journey from a signed consent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api import operations
from api.auth import Principal, require
from api.context import ApiContext, get_context
from api.errors import ERROR_RESPONSES, Problem
from journey_models.roles import Action
from api.schemas import StartedJourney
from journey_models.inputs import ConsentRecord

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
