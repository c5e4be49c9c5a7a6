"""Signing from the dashboard: the audit trail shows each signature under the record it signs,
and a record that awaits one offers a form asking for the password again (21 CFR 11.200)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from itc.api import operations
from itc.api.context import ApiContext, get_context
from itc.api.pages.session import ReaderDep, SessionDep
from itc.people.access_log import Channel
from itc.people.signing import sign_event, sign_trial_decision
from itc.runtime.trials import get_trial_status

router = APIRouter(include_in_schema=False)


@router.post("/participants/{participant_id}/events/{sequence}/sign")
async def sign_from_dashboard(
    request: Request,
    participant_id: str,
    sequence: int,
    session: SessionDep,
    reader: ReaderDep,
    context: Annotated[ApiContext, Depends(get_context)],
    password: Annotated[str, Form()] = "",
    totp_code: Annotated[str, Form()] = "",
) -> Response:
    participant_id = operations.check_participant_id(participant_id)
    await operations.check_participant_site(context, reader, participant_id)
    await sign_event(
        context.people, context.store, session.principal.person, participant_id, sequence, password,
        totp_code=totp_code.strip() or None, channel=Channel.DASHBOARD,
    )  # fmt: skip
    return RedirectResponse(f"/participants/{participant_id}/audit#event-{sequence}", status_code=303)


@router.post("/trial/decisions/{sequence}/sign")
async def sign_trial_decision_from_dashboard(
    sequence: int,
    session: SessionDep,
    reader: ReaderDep,
    context: Annotated[ApiContext, Depends(get_context)],
    password: Annotated[str, Form()] = "",
    totp_code: Annotated[str, Form()] = "",
) -> Response:
    decisions = (await get_trial_status(context.client, context.protocol)).decisions
    await sign_trial_decision(
        context.people, session.principal.person, context.protocol.trial_id, decisions, sequence, password,
        totp_code=totp_code.strip() or None, channel=Channel.DASHBOARD,
    )  # fmt: skip
    return RedirectResponse(f"/trial#decision-{sequence}", status_code=303)
