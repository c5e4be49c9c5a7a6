"""The trial page, and the supervisor's resume after a safety pause (with its reason)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from itc.actions import Action
from itc.api import operations, slot_view, trial_view
from itc.api.auth import Permit, permit
from itc.api.context import ApiContext, get_context
from itc.api.pages.session import ReaderDep, Session, SessionDep
from itc.api.templating import render
from itc.base.errors import JourneyNotFound, UpdateRejected
from itc.models.slots import WeekSlots
from itc.models.trial import ResumeTrialInput
from itc.people.signing import trial_meaning_of
from itc.people.trial_signatures import verified_by_sequence
from itc.rules.protocols import UnknownProtocolVersion, protocol_for_version
from itc.runtime.trials import get_trial_status, resume_trial
from itc.services.postgres_slots import PostgresManufacturingSlots

router = APIRouter(include_in_schema=False)

Context = Annotated[ApiContext, Depends(get_context)]
LIVE_TIMEOUT_SECONDS = 5.0


async def _page(
    request: Request,
    session: Session,
    reader: Permit,
    context: ApiContext,
    *,
    done: str | None = None,
    error: dict[str, Any] | None = None,
    reason: str = "",
) -> HTMLResponse:
    values: dict[str, Any] = {"session": session, "context": context, "done": done, "error": error, "reason": reason}
    try:
        status = await get_trial_status(context.client, context.protocol)
    except JourneyNotFound as missing:
        return render(request, "trial.html", {**values, "view": None, "not_started": missing.message})
    try:
        protocol = protocol_for_version(status.protocol_version)
    except UnknownProtocolVersion:
        protocol = context.protocol
    summaries = await operations.participants(context, reader)
    journeys = await operations.statuses(context, reader, [s.participant_id for s in summaries], LIVE_TIMEOUT_SECONDS)
    view = trial_view.build(status, protocol, journeys, datetime.now(UTC))
    signatures = await verified_by_sequence(context.people.trial_signatures, status.trial_id, status.decisions)
    awaiting = {n: meaning for n, d in enumerate(status.decisions, 1) if (meaning := trial_meaning_of(d)) is not None}
    slots = slot_view.build(await _weeks_ahead(context), journeys, datetime.now(UTC))
    values.update(
        view=view, slots=slots, now=datetime.now(UTC), decision_signatures=signatures, awaiting_signature=awaiting
    )
    return render(request, "trial.html", values, status_code=422 if error else 200)


async def _weeks_ahead(context: ApiContext) -> list[WeekSlots]:
    return await PostgresManufacturingSlots(context.store.pool).weeks_ahead(
        datetime.now(UTC).date(), slot_view.WEEKS_AHEAD
    )


@router.get("/trial")
async def trial_page(
    request: Request, session: SessionDep, reader: ReaderDep, context: Context, done: str | None = None
) -> HTMLResponse:
    return await _page(request, session, reader, context, done=done)


@router.post("/trial/resume")
async def trial_resume(request: Request, session: SessionDep, context: Context) -> Response:
    form = await request.form()
    reason = form.get("reason")
    reason = reason.strip() if isinstance(reason, str) else ""
    resuming = await permit(context, session.principal, Action.TRIAL_RESUME)
    try:
        resume = ResumeTrialInput(actor_id=session.staff_id, role=resuming.role, reason=reason)
        await resume_trial(context.client, context.protocol, operations.acting_as(resuming, resume))
    except ValidationError as invalid:
        lines = [f"Reason: {problem['msg']}" for problem in invalid.errors()]
        error = {"message": "Say why the trial may resume.", "lines": lines}
        return await _page(request, session, resuming, context, error=error, reason=reason)
    except UpdateRejected as refusal:
        error = {"message": refusal.message, "lines": refusal.lines}
        return await _page(request, session, resuming, context, error=error, reason=reason)
    return RedirectResponse(f"/trial?done={quote('Trial resumed')}", status_code=303)
