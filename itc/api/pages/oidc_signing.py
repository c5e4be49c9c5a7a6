"""Signing from the dashboard through the organisation's OpenID Connect provider: the form
under a record sends the person to the provider to authenticate again, and the provider's
answer comes back to the sign-in callback, which hands it here (`itc.people.oidc_signing`)."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from itc.api import operations
from itc.api.context import ApiContext, get_context
from itc.api.errors import Forbidden
from itc.api.pages.session import ReaderDep, Session, SessionDep
from itc.base.errors import UserFacingError
from itc.people.access_log import AccessKind, Channel, log_access
from itc.people.oidc import (
    authorization_url,
    check_reauthenticated,
    discover,
    exchange_code,
    identity_from_claims,
    new_state_and_nonce,
    validate_id_token,
)
from itc.people.oidc_signing import SIGNING_FLOW_SECONDS, SigningFlow
from itc.people.signing import (
    SignatureRefused,
    meaning_for,
    sign_event_reauthenticated,
    sign_trial_decision_reauthenticated,
    stored_event,
    trial_decision,
    trial_meaning_for,
)
from itc.runtime.trials import get_trial_status

router = APIRouter(include_in_schema=False)

SIGNING_COOKIE = "itc_oidc_signing"
Context = Annotated[ApiContext, Depends(get_context)]


@router.post("/participants/{participant_id}/events/{sequence}/sign/oidc")
async def sign_event_through_provider(
    request: Request, participant_id: str, sequence: int, session: SessionDep, reader: ReaderDep, context: Context
) -> Response:
    participant_id = operations.check_participant_id(participant_id)
    await operations.check_participant_site(context, reader, participant_id)
    # Refused here, before the person goes to the provider, if they may not sign this record.
    meaning_for(await stored_event(context.store, participant_id, sequence), session.principal.person)
    return await _to_provider(request, context, session, sequence, participant_id)


@router.post("/trial/decisions/{sequence}/sign/oidc")
async def sign_trial_decision_through_provider(
    request: Request, sequence: int, session: SessionDep, reader: ReaderDep, context: Context
) -> Response:
    decisions = (await get_trial_status(context.client, context.protocol)).decisions
    trial_meaning_for(trial_decision(decisions, sequence), sequence, session.principal.person)
    return await _to_provider(request, context, session, sequence, None)


async def _to_provider(
    request: Request, context: ApiContext, session: Session, sequence: int, participant_id: str | None
) -> Response:
    if not context.oidc.enabled or context.oidc.client_secret is None:
        raise Forbidden("Signing through an identity provider is not configured here (ITC_OIDC_*).")
    provider = await discover(context.oidc)
    state, nonce = new_state_and_nonce()
    flow = SigningFlow(state, nonce, time.time(), session.staff_id, sequence, participant_id)
    response = RedirectResponse(
        authorization_url(provider, context.oidc, state, nonce, reauthenticate=True), status_code=303
    )
    response.set_cookie(
        SIGNING_COOKIE, flow.seal(context.oidc.client_secret), max_age=SIGNING_FLOW_SECONDS, httponly=True,
        samesite="lax", secure=request.url.scheme == "https", path="/login/oidc",
    )  # fmt: skip
    return response


def pending_signature(request: Request, context: ApiContext, state: str) -> SigningFlow | None:
    """The signature this provider answer is for, if the callback's state is a signing flow's."""
    sealed = request.cookies.get(SIGNING_COOKIE)
    if not sealed or not context.oidc.client_secret:
        return None
    flow = SigningFlow.unseal(sealed, context.oidc.client_secret)
    return flow if flow is not None and state and flow.state == state else None


async def finish_signature(context: ApiContext, flow: SigningFlow, code: str) -> Response:
    """Sign if the provider's ID token is the signer's and they authenticated after the request
    began; otherwise log the failed signature and refuse."""
    try:
        provider = await discover(context.oidc)
        claims = validate_id_token(
            await exchange_code(provider, context.oidc, code), provider, context.oidc, flow.nonce
        )
        check_reauthenticated(claims, flow.began_at)
        if identity_from_claims(claims, context.oidc).person_id != flow.person_id:
            raise SignatureRefused("The provider authenticated someone else than the person signing: not signed.")
        person = await context.people.accounts.require(flow.person_id)
        if person.disabled or person.locked:
            raise SignatureRefused("This account is disabled or locked: not signed.")
        if flow.participant_id is None:
            decisions = (await get_trial_status(context.client, context.protocol)).decisions
            await sign_trial_decision_reauthenticated(
                context.people, person, context.protocol.trial_id, decisions, flow.sequence, channel=Channel.OIDC
            )
            back = f"/trial#decision-{flow.sequence}"
        else:
            await sign_event_reauthenticated(
                context.people, context.store, person, flow.participant_id, flow.sequence, channel=Channel.OIDC
            )
            back = f"/participants/{flow.participant_id}/audit#event-{flow.sequence}"
    except UserFacingError as error:
        await log_access(
            context.people.pool, AccessKind.SIGNATURE_FAILED, person_id=flow.person_id, actor_id=flow.person_id,
            channel=Channel.OIDC, detail={**flow.target.describe(), "why": error.message},
        )  # fmt: skip
        raise SignatureRefused(error.message) from None
    response = RedirectResponse(back, status_code=303)
    response.delete_cookie(SIGNING_COOKIE, path="/login/oidc")
    return response
