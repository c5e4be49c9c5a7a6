"""One participant: live status, timeline, and the staff forms for what is due now."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from itc.actions import STAFF_ACTION_OF, Action
from itc.api import audit_view, forms, operations, participant_view
from itc.api.auth import Permit, permit
from itc.api.context import ApiContext, get_context
from itc.api.csv_export import csv_download
from itc.api.finding_choices import FINDING_CHOICES
from itc.api.formatting import input_time
from itc.api.pages.session import ReaderDep, Session, SessionDep
from itc.api.templating import render
from itc.base.errors import InvalidInput, UpdateRejected
from itc.models.custody import HandoffKind, QualityDecisionKind
from itc.models.enums import (
    AeCategory,
    Attribution,
    DecisionKind,
    MetastasisSite,
    Milestone,
    ScanKind,
    Stage,
)
from itc.rules.lab_catalogue import LAB_SPECS, Interpretation, LabCode

router = APIRouter(include_in_schema=False)

Context = Annotated[ApiContext, Depends(get_context)]

# The form that does each due action (keys of workflows' DueAction.action): the forms
# offered first are those for what the journey is waiting on now.
DUE_FORMS: dict[str, Action] = {
    "screening_labs": Action.LAB_RESULTS,
    "eligibility_assessment": Action.ELIGIBILITY,
    "baseline_scan": Action.SCAN,
    "baseline_assessments": Action.LAB_RESULTS,
    "biopsy": Action.BIOPSY,
    "manufacturing_milestone": Action.MILESTONE,
    "supervisor_decision": Action.DECISION,
    "infusion": Action.INFUSION,
    "toxicity_check": Action.LAB_RESULTS,
    "response_scan": Action.SCAN,
    "confirmation_scan": Action.SCAN,
    "follow_up_scan": Action.SCAN,
    "sae_report": Action.DECISION,
}
# What else each stage may need (a correction, an unscheduled result); then what any stage may.
STAGE_FORMS: dict[Stage, tuple[Action, ...]] = {
    Stage.SCREENING: (Action.LAB_RESULTS, Action.ELIGIBILITY),
    Stage.BASELINE: (Action.SCAN, Action.LAB_RESULTS),
    Stage.BIOPSY: (Action.BIOPSY,),
    Stage.MANUFACTURING: (Action.MILESTONE, Action.CUSTODY, Action.QUALITY_DECISION, Action.DECISION),
    Stage.INFUSION: (
        Action.LAB_RESULTS,
        Action.CUSTODY,
        Action.BEDSIDE,
        Action.INFUSION,
        Action.QUALITY_DECISION,
        Action.ADVERSE_EVENT,
    ),
    Stage.RESPONSE_ASSESSMENT: (Action.SCAN, Action.LAB_RESULTS, Action.NEW_THERAPY),
    Stage.FOLLOW_UP: (Action.SCAN, Action.NEW_THERAPY),
}
ANY_STAGE_FORMS = (Action.ADVERSE_EVENT, Action.LAB_RESULTS, Action.DECISION, Action.WITHDRAWAL, Action.DEATH)


@dataclass(frozen=True)
class FormError:
    action: Action
    message: str
    lines: list[str]
    values: dict[str, str]


async def _view(context: ApiContext, reader: Permit, participant_id: str) -> participant_view.ParticipantView:
    status = await operations.status(context, reader, participant_id)
    timeline = await operations.timeline(context, reader, participant_id)
    events = await operations.events(context, reader, participant_id)
    return participant_view.build(status, timeline, events, datetime.now(UTC), context.protocol)


def _forms(view: participant_view.ParticipantView, session: Session) -> tuple[list[Action], list[Action]]:
    """(forms for what is due now, the other forms this role may use); a role never sees a
    form it may not send."""
    may = session.principal.may
    due = [DUE_FORMS[item.action] for item in view.due if item.action in DUE_FORMS]
    if view.ended:
        # An ended journey stays open only for its SAE clocks.
        return [a for a in dict.fromkeys(due) if may(a)], []
    stage_forms = STAGE_FORMS.get(view.status.stage, ())
    primary = [a for a in dict.fromkeys(due or stage_forms) if may(a)]
    other = [a for a in dict.fromkeys((*stage_forms, *ANY_STAGE_FORMS)) if a not in primary and may(a)]
    return primary, other


def _scan_kind(view: participant_view.ParticipantView) -> str:
    status = view.status
    if status.stage is Stage.BASELINE:
        return ScanKind.BASELINE.value
    if status.stage is Stage.RESPONSE_ASSESSMENT:
        return (ScanKind.CONFIRMATION if status.response is not None else ScanKind.RESPONSE).value
    return ScanKind.FOLLOW_UP.value


def _defaults(view: participant_view.ParticipantView, now: datetime) -> dict[str, Any]:
    """Pre-filled values: now (UTC) for every time, and what the journey already knows."""
    moment = input_time(now)
    pending = [m.milestone.value for m in view.status.manufacturing_milestones if m.occurred_at is None]
    return {
        "request_id": uuid.uuid4().hex,
        "collected_at": moment,
        "assessed_at": moment,
        "scanned_at": moment,
        "occurred_at": moment,
        "administered_at": moment,
        "onset_at": moment,
        "withdrawn_at": moment,
        "died_at": moment,
        "kind": _scan_kind(view),
        "sample_id": view.sample_id or "",
        "milestone": pending[0] if pending else "",
        "infusion_number": view.next_infusion or "",
        "product_sample_id": view.product_sample_id or view.sample_id or "",
        "cells_administered": f"{view.status.dose_plan.cells_per_infusion:.3g}" if view.status.dose_plan else "",
    }


def _page_context(
    request: Request,
    session: Session,
    context: ApiContext,
    view: participant_view.ParticipantView,
    *,
    done: str | None = None,
    error: FormError | None = None,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    defaults = _defaults(view, now)
    primary, other = _forms(view, session)
    if error is not None and error.action not in primary + other:
        primary = [error.action, *primary]

    def values_for(action: Action) -> dict[str, Any]:
        if error is not None and error.action is action:
            return error.values
        return defaults

    return {
        "session": session,
        "context": context,
        "view": view,
        "status": view.status,
        "now": now,
        "done": done,
        "error": error,
        "primary_forms": primary,
        "other_forms": other,
        "values_for": values_for,
        "staff_actions": STAFF_ACTION_OF,
        "temporal_link": context.temporal_link(operations.workflow_id_for(view.status.participant_id)),
        "lab_codes": list(LabCode),
        "lab_specs": LAB_SPECS,
        "lab_names": forms.LAB_NAMES,
        "lab_limits": forms.LAB_LIMITS,
        "interpretations": list(Interpretation),
        "metastasis_sites": list(MetastasisSite),
        "scan_kinds": list(ScanKind),
        "lesion_rows": range(1, forms.LESION_ROWS + 1),
        "milestones": list(Milestone),
        "ae_categories": list(AeCategory),
        "finding_choices": FINDING_CHOICES,
        "attributions": list(Attribution),
        "decisions": list(DecisionKind),
        "handoffs": list(HandoffKind),
        "quality_decisions": list(QualityDecisionKind),
    }


@router.get("/participants/{participant_id}")
async def participant_page(
    request: Request,
    participant_id: str,
    session: SessionDep,
    reader: ReaderDep,
    context: Context,
    done: str | None = None,
) -> HTMLResponse:
    view = await _view(context, reader, participant_id)
    return render(request, "participant.html", _page_context(request, session, context, view, done=done))


@router.get("/participants/{participant_id}/live")
async def participant_live(
    request: Request,
    participant_id: str,
    session: SessionDep,
    reader: ReaderDep,
    context: Context,
    shown_stage: str | None = None,
) -> HTMLResponse:
    """The refreshed half of the page; the forms stay as rendered, so say when they are stale."""
    view = await _view(context, reader, participant_id)
    page = _page_context(request, session, context, view)
    return render(request, "_participant_live.html", {**page, "shown_stage": shown_stage})


@router.get("/participants/{participant_id}/audit")
async def audit_page(
    request: Request, participant_id: str, session: SessionDep, reader: ReaderDep, context: Context
) -> HTMLResponse:
    events = await operations.audit(context, reader, participant_id)
    return render(
        request,
        "audit.html",
        {
            "session": session,
            "context": context,
            "participant_id": operations.check_participant_id(participant_id),
            "events": events,
            "payload_fields": audit_view.fields,
        },
    )


@router.get("/participants/{participant_id}/audit.csv")
async def audit_csv(participant_id: str, reader: ReaderDep, context: Context) -> Response:
    events = await operations.audit(context, reader, participant_id)
    checked = operations.check_participant_id(participant_id)
    return csv_download(f"audit-{checked}.csv", audit_view.CSV_HEADER, [audit_view.csv_row(e) for e in events])


@router.get("/participants/{participant_id}/print")
async def print_page(
    request: Request, participant_id: str, session: SessionDep, reader: ReaderDep, context: Context
) -> HTMLResponse:
    """The participant's record on paper: the live half of the page, without forms or refresh."""
    view = await _view(context, reader, participant_id)
    return render(request, "participant_print.html", _page_context(request, session, context, view))


@router.post("/participants/{participant_id}/record/{action}")
async def submit(
    request: Request, participant_id: str, action: Action, session: SessionDep, context: Context
) -> Response:
    values = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    if action not in forms.READERS:
        raise InvalidInput(f"{action.value} is not a staff action on a journey")
    recording = await permit(context, session.principal, action, participant_id)
    form = forms.record_input(action, values, session.staff_id)
    try:
        accepted = await operations.record_action(context, recording, participant_id, form.data)
    except (InvalidInput, UpdateRejected) as refusal:
        view = await _view(context, recording, participant_id)
        error = FormError(action, refusal.message, form.readable(refusal.lines), values)
        return render(
            request,
            "participant.html",
            _page_context(request, session, context, view, error=error),
            status_code=422,
        )
    done = quote(f"#{accepted.sequence} {accepted.message}")
    return RedirectResponse(f"/participants/{participant_id}?done={done}", status_code=303)
