"""GET routes: the cohort list from the read model, and one journey's status, timeline and
audit trail. Every role may read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from itc.api import operations
from itc.api.auth import Principal, require
from itc.api.context import ApiContext, get_context
from itc.api.errors import ERROR_RESPONSES, Problem
from itc.api.schemas import AuditEvent, ParticipantSummary
from itc.models.enums import Stage
from itc.models.roles import Action
from itc.models.state import JourneyStatus, TimelineEntry

router = APIRouter(prefix="/api/journeys", tags=["queries"], responses=ERROR_RESPONSES)

Reader = Annotated[Principal, Depends(require(Action.READ))]
Context = Annotated[ApiContext, Depends(get_context)]
ParticipantPath = Annotated[str, Path(description="Study ID, e.g. ITC-007", examples=["ITC-007"])]
NOT_FOUND = {404: {"model": Problem, "description": "No journey for this participant"}}


@router.get("", summary="List participants", description="From the participant_status read model.")
async def list_participants(
    principal: Reader,
    context: Context,
    stage: Annotated[Stage | None, Query(description="Only this stage")] = None,
    site: Annotated[str | None, Query(description="Only this site")] = None,
) -> list[ParticipantSummary]:
    return await operations.participants(context, principal, stage.value if stage else None, site)


@router.get(
    "/{participant_id}", summary="Journey status", description="Straight from the workflow.", responses=NOT_FOUND
)
async def journey_status(participant_id: ParticipantPath, principal: Reader, context: Context) -> JourneyStatus:
    return await operations.status(context, principal, participant_id)


@router.get("/{participant_id}/timeline", summary="Journey timeline", responses=NOT_FOUND)
async def journey_timeline(participant_id: ParticipantPath, principal: Reader, context: Context) -> list[TimelineEntry]:
    return await operations.timeline(context, principal, participant_id)


@router.get(
    "/{participant_id}/audit",
    summary="Audit trail",
    description="Every stored event with actor, times, reason and corrections; date of birth masked.",
    responses=NOT_FOUND,
)
async def journey_audit(participant_id: ParticipantPath, principal: Reader, context: Context) -> list[AuditEvent]:
    return await operations.audit(context, principal, participant_id)
