"""Signing in to the dashboard through the organisation's OpenID Connect provider (when
ITC_OIDC_* is configured): out to the provider with a fresh state and nonce, back with a code
whose ID token must verify; the person's roles and sites come from the token's claims."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from itc.api.context import ApiContext, get_context
from itc.api.errors import Forbidden
from itc.api.pages.oidc_signing import finish_signature, pending_signature
from itc.api.pages.session import SESSION_COOKIE, SESSION_SECONDS, _login_error, _safe_next
from itc.base.errors import UserFacingError
from itc.people.access_log import AccessKind, Channel, log_access
from itc.people.oidc import (
    OidcRefused,
    authorization_url,
    discover,
    exchange_code,
    identity_from_claims,
    new_state_and_nonce,
    validate_id_token,
)

router = APIRouter(include_in_schema=False)

FLOW_COOKIE = "itc_oidc_flow"
FLOW_SECONDS = 600
Context = Annotated[ApiContext, Depends(get_context)]


@router.get("/login/oidc")
async def start_oidc(request: Request, context: Context, next: str = "/") -> Response:
    if not context.oidc.enabled:
        raise Forbidden("Sign-in through an identity provider is not configured here (ITC_OIDC_*).")
    provider = await discover(context.oidc)
    state, nonce = new_state_and_nonce()
    response = RedirectResponse(authorization_url(provider, context.oidc, state, nonce), status_code=303)
    # Lax, not strict: the provider sends the browser back with a top-level GET from its own site.
    response.set_cookie(
        FLOW_COOKIE, f"{state} {nonce} {_safe_next(next)}", max_age=FLOW_SECONDS, httponly=True, samesite="lax",
        secure=request.url.scheme == "https", path="/login/oidc",
    )  # fmt: skip
    return response


@router.get("/login/oidc/callback")
async def finish_oidc(request: Request, context: Context, code: str = "", state: str = "") -> Response:
    # The provider answers a signature's re-authentication at the same callback as a sign-in.
    signing = pending_signature(request, context, state)
    if signing is not None:
        return await finish_signature(context, signing, code)
    flow = request.cookies.get(FLOW_COOKIE, "").split(" ")
    try:
        if len(flow) != 3 or not state or flow[0] != state or not code:
            raise OidcRefused("The sign-in came back without the state it was sent with: start again.")
        expected_nonce, next_url = flow[1], flow[2]
        provider = await discover(context.oidc)
        claims = validate_id_token(
            await exchange_code(provider, context.oidc, code), provider, context.oidc, expected_nonce
        )
        identity = identity_from_claims(claims, context.oidc)
        person = await context.people.accounts.sync_from_provider(
            identity.person_id, identity.full_name, identity.roles, identity.sites
        )
    except UserFacingError as error:
        await log_access(
            context.people.pool, AccessKind.SIGN_IN_FAILED, person_id=None, actor_id="oidc", channel=Channel.OIDC,
            detail={"why": error.message},
        )  # fmt: skip
        failed: HTMLResponse = _login_error(request, error.message, "", "/")
        failed.delete_cookie(FLOW_COOKIE, path="/login/oidc")
        return failed
    secret = await context.people.sessions.start(person, Channel.OIDC)
    response = RedirectResponse(next_url, status_code=303)
    response.delete_cookie(FLOW_COOKIE, path="/login/oidc")
    response.set_cookie(
        SESSION_COOKIE, secret, max_age=SESSION_SECONDS, httponly=True, samesite="strict",
        secure=request.url.scheme == "https", path="/",
    )  # fmt: skip
    return response
