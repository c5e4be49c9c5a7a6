"""Starting a journey from the dashboard: the consent form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from itc.actions import Action
from itc.api import forms, operations
from itc.api.auth import permit
from itc.api.context import ApiContext, get_context
from itc.api.pages.session import Session, SessionDep
from itc.api.templating import render
from itc.base.errors import (
    EnrolmentClosed,
    InvalidInput,
    JourneyAlreadyExists,
    UpdateRejected,
)
from itc.models.enums import ReceptorStatus, Sex

router = APIRouter(include_in_schema=False)

Context = Annotated[ApiContext, Depends(get_context)]


def _page(
    request: Request, session: Session, context: ApiContext, values: dict[str, Any], error: Any = None
) -> HTMLResponse:
    return render(
        request,
        "start.html",
        {
            "session": session,
            "context": context,
            "values": values,
            "error": error,
            "sexes": list(Sex),
            "receptor_statuses": list(ReceptorStatus),
        },
        status_code=error["status"] if error else 200,
    )


@router.get("/participants/new")
async def start_page(request: Request, session: SessionDep, context: Context) -> HTMLResponse:
    await permit(context, session.principal, Action.START)
    today = datetime.now(UTC).date().isoformat()
    return _page(request, session, context, {"consent_date": today, "consent_form_version": "ICF-2.1", "sex": "female"})


@router.post("/participants/new")
async def start_submit(request: Request, session: SessionDep, context: Context) -> Response:
    values = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    starting = await permit(context, session.principal, Action.START)
    form = forms.consent(values, session.staff_id)
    try:
        started = await operations.start(context, starting, form.data)
    except (InvalidInput, UpdateRejected, JourneyAlreadyExists, EnrolmentClosed) as error:
        status = 409 if isinstance(error, JourneyAlreadyExists | EnrolmentClosed) else 422
        return _page(
            request, session, context, values, {"message": error.message, "lines": error.lines, "status": status}
        )
    done = quote(f"Journey started ({started.workflow_id}, protocol {started.protocol_version})")
    return RedirectResponse(f"/participants/{started.participant_id}?done={done}", status_code=303)
