"""GET routes: the cohort list from the read model, and one journey's status, timeline and
audit trail. Every role may read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from itc.actions import Action
from itc.api import operations
from itc.api.auth import Permit, require
from itc.api.context import ApiContext, get_context
from itc.api.errors import ERROR_RESPONSES
from itc.api.routers.params import JOURNEY_NOT_FOUND, ParticipantPath
from itc.api.schemas import AuditEvent, ParticipantSummary
from itc.chain.labels import unit_label_pdf
from itc.chain.report import ChainReport, chain_report
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
async def journey_status(
    participant_id: ParticipantPath,
    permit: Reader,
    context: Context,
    settle: Annotated[
        bool,
        Query(
            description="Answer once the journey has acted on what it was last given (nothing pending; "
            "at most 3 s), so a reply to an action can state its consequence"
        ),
    ] = False,
) -> JourneyStatus:
    return await operations.status(context, permit, participant_id, settle=settle)


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


@router.get(
    "/{participant_id}/chain",
    summary="Chain of identity and custody",
    description="Every unit of the participant's cells and every handoff: who, when, where, temperature; "
    "rebuilt from the stored events alone.",
    responses=JOURNEY_NOT_FOUND,
)
async def journey_chain(participant_id: ParticipantPath, permit: Reader, context: Context) -> ChainReport:
    return chain_report(participant_id, await operations.events(context, permit, participant_id))


@router.get(
    "/{participant_id}/units/{unit_id}/label.pdf",
    summary="A unit's label",
    description="A printable PDF label: COI, unit ID, product, expiry and a Code 128 barcode of the unit ID.",
    responses=JOURNEY_NOT_FOUND,
    response_class=Response,
)
async def unit_label(participant_id: ParticipantPath, unit_id: str, permit: Reader, context: Context) -> Response:
    report = chain_report(participant_id, await operations.events(context, permit, participant_id))
    unit = next((u for u in report.units if u.unit_id == unit_id.upper()), None)
    if unit is None or report.chain_of_identity is None:
        return Response(status_code=404, content=f"No unit {unit_id} for {participant_id}", media_type="text/plain")
    pdf = unit_label_pdf(participant_id, report.chain_of_identity, unit)
    return Response(content=pdf, media_type="application/pdf")
