"""POST /api/journeys: start a participant's journey from a signed consent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from itc.actions import ACTIONS, Action
from itc.api import operations
from itc.api.auth import Permit, require
from itc.api.context import ApiContext, get_context
from itc.api.errors import WRITE_ERROR_RESPONSES, Problem
from itc.api.schemas import StartedJourney
from itc.models.inputs import ConsentRecord

START = ACTIONS[Action.START]

router = APIRouter(prefix="/api/journeys", tags=["journeys"], responses=WRITE_ERROR_RESPONSES)


@router.post(
    "",
    status_code=201,
    summary="Start a journey",
    description=f"{START.help} Role: {', '.join(role.value for role in START.permitted_roles)}.",
    responses={409: {"model": Problem, "description": "The participant already has a journey, or enrolment is closed"}},
)
async def start_journey(
    consent: ConsentRecord,
    permit: Annotated[Permit, Depends(require(Action.START))],
    context: Annotated[ApiContext, Depends(get_context)],
) -> StartedJourney:
    return await operations.start(context, permit, consent)
