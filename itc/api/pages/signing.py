"""Signing from the dashboard: the audit trail shows each signature under the record it signs,
and a record that awaits one offers a form asking for the password again (21 CFR 11.200)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from itc.api import operations
from itc.api.auth import Permit
from itc.api.context import ApiContext, get_context
from itc.api.pages.session import ReaderDep, SessionDep
from itc.people.access_log import Channel
from itc.people.models import Person
from itc.people.signing import sign_event, sign_trial_decision
from itc.runtime.trials import get_trial_status

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class SigningForm:
    """What either signing form brings: the person signed in to the dashboard, who may read the
    record, and the password (with the authenticator code, for a second factor) given again."""

    person: Person
    reader: Permit
    context: ApiContext
    password: str
    totp_code: str | None


async def signing_form(
    session: SessionDep,
    reader: ReaderDep,
    context: Annotated[ApiContext, Depends(get_context)],
    password: Annotated[str, Form()] = "",
    totp_code: Annotated[str, Form()] = "",
) -> SigningForm:
    return SigningForm(session.principal.person, reader, context, password, totp_code.strip() or None)


Signing = Annotated[SigningForm, Depends(signing_form)]


@router.post("/participants/{participant_id}/events/{sequence}/sign")
async def sign_from_dashboard(participant_id: str, sequence: int, form: Signing) -> Response:
    participant_id = operations.check_participant_id(participant_id)
    await operations.check_participant_site(form.context, form.reader, participant_id)
    await sign_event(
        form.context.people, form.context.store, form.person, participant_id, sequence, form.password,
        totp_code=form.totp_code, channel=Channel.DASHBOARD,
    )  # fmt: skip
    return RedirectResponse(f"/participants/{participant_id}/audit#event-{sequence}", status_code=303)


@router.post("/trial/decisions/{sequence}/sign")
async def sign_trial_decision_from_dashboard(sequence: int, form: Signing) -> Response:
    decisions = (await get_trial_status(form.context.client, form.context.protocol)).decisions
    await sign_trial_decision(
        form.context.people, form.person, form.context.protocol.trial_id, decisions, sequence, form.password,
        totp_code=form.totp_code, channel=Channel.DASHBOARD,
    )  # fmt: skip
    return RedirectResponse(f"/trial#decision-{sequence}", status_code=303)
