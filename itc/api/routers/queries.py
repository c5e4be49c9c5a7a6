"""GET routes: the cohort list from the read model, and one journey's status, timeline and
audit trail. Every role may read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from itc.actions import Action
from itc.api import operations
from itc.api.auth import Permit, require
from itc.api.context import ApiContext, get_context
from itc.api.errors import ERROR_RESPONSES
from itc.api.routers.params import JOURNEY_NOT_FOUND, ParticipantPath
from itc.api.schemas import AuditEvent, ParticipantSummary
from itc.models.enums import Stage
from itc.models.state import JourneyStatus, TimelineEntry

router = APIRouter(prefix="/api/journeys", tags=["queries"], responses=ERROR_RESPONSES)

Reader = Annotated[Permit, Depends(require(Action.READ))]
Context = Annotated[ApiContext, Depends(get_context)]


@router.get("", summary="List participants", description="From the participant_status read model.")
async def list_participants(
    permit: Reader,
    context: Context,
    stage: Annotated[Stage | None, Query(description="Only this stage")] = None,
    site: Annotated[str | None, Query(description="Only this site")] = None,
) -> list[ParticipantSummary]:
    return await operations.participants(context, permit, stage.value if stage else None, site)


@router.get(
    "/{participant_id}",
    summary="Journey status",
    description="Straight from the workflow.",
    responses=JOURNEY_NOT_FOUND,
)
async def journey_status(participant_id: ParticipantPath, permit: Reader, context: Context) -> JourneyStatus:
    return await operations.status(context, permit, participant_id)


@router.get("/{participant_id}/timeline", summary="Journey timeline", responses=JOURNEY_NOT_FOUND)
async def journey_timeline(participant_id: ParticipantPath, permit: Reader, context: Context) -> list[TimelineEntry]:
    return await operations.timeline(context, permit, participant_id)


@router.get(
    "/{participant_id}/audit",
    summary="Audit trail",
    description="Every stored event with actor, times, reason and corrections; date of birth masked.",
    responses=JOURNEY_NOT_FOUND,
)
async def journey_audit(participant_id: ParticipantPath, permit: Reader, context: Context) -> list[AuditEvent]:
    return await operations.audit(context, permit, participant_id)
