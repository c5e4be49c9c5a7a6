"""Signing in to the dashboard: person ID and password (and the TOTP code once enrolled),
which start a session of that person. The session cookie holds a random secret whose digest
the database keeps; the session ends at sign-out, after the configured idle time, or after a
working day (21 CFR 11.300(d)).

Each session's forms carry a CSRF token bound to it (api/csrf.py); every unsafe request of a
session must carry that token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from itc.actions import Action
from itc.api.auth import Permit, Principal, permit
from itc.api.context import ApiContext, context_of, get_context
from itc.api.csrf import CSRF_FIELD, CSRF_HEADER, STALE_FORM, csrf_token, token_matches
from itc.api.errors import Forbidden, LoginRequired
from itc.api.rate_limit import UNSAFE_METHODS, credential_digest
from itc.api.templating import render
from itc.base.errors import UserFacingError
from itc.people.access_log import Channel

router = APIRouter(include_in_schema=False)

SESSION_COOKIE = "itc_session"
SESSION_COOKIES = (SESSION_COOKIE,)
# The browser forgets the cookie after a working day; the server ends the session sooner
# when it is idle (ITC_SESSION_IDLE_MINUTES).
SESSION_SECONDS = 12 * 3600


@router.get("/login")
async def login_page(request: Request, next: str = "/") -> HTMLResponse:
    oidc_enabled = context_of(request).oidc.enabled
    context = {"next": _safe_next(next), "error": None, "person_id": "", "oidc_enabled": oidc_enabled}
    return render(request, "login.html", context)


@router.post("/login")
async def login(
    request: Request,
    context: Annotated[ApiContext, Depends(get_context)],
    person_id: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    totp_code: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        person = await context.people.accounts.authenticate(
            person_id.strip(), password, totp_code=totp_code.strip() or None, channel=Channel.DASHBOARD
        )
    except UserFacingError as error:
        return _login_error(request, error.message, person_id, next)
    secret = await context.people.sessions.start(person)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, secret, max_age=SESSION_SECONDS, httponly=True, samesite="strict",
        secure=request.url.scheme == "https", path="/",
    )  # fmt: skip
    return response


@router.post("/logout")
async def logout(request: Request, context: Annotated[ApiContext, Depends(get_context)]) -> Response:
    try:
        await current_session(request, context)  # a live session signs out only with its form's token
    except LoginRequired:
        pass  # nothing left to protect: clear whatever remains
    else:
        await context.people.sessions.end(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    for name in SESSION_COOKIES:
        response.delete_cookie(name, path="/")
    return response


def _login_error(request: Request, message: str, person_id: str, next_url: str) -> HTMLResponse:
    return render(
        request,
        "login.html",
        {"next": _safe_next(next_url), "error": message, "person_id": person_id, "oidc_enabled": False},
        status_code=401,
    )


def _safe_next(value: str) -> str:
    # Only paths on this site: "//evil.example" or a full URL would make login an open redirect.
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


class Session:
    def __init__(self, principal: Principal, csrf_token: str) -> None:
        self.principal = principal
        self.csrf_token = csrf_token

    @property
    def staff_id(self) -> str:
        return self.principal.person_id

    @property
    def role(self) -> str:
        return self.principal.roles_label


async def current_session(request: Request, context: Annotated[ApiContext, Depends(get_context)]) -> Session:
    """The signed-in session; for an unsafe method, only with the CSRF token of its forms."""
    secret = request.cookies.get(SESSION_COOKIE)
    person = await context.people.sessions.person_for(secret) if secret else None
    if person is None or secret is None:
        raise LoginRequired("Sign in again: the session has ended.")
    context.known_credentials[credential_digest(secret)] = person.person_id
    principal = Principal(person)
    session = Session(principal, csrf_token(secret, "dashboard", person.person_id))
    request.state.principal = principal  # error pages show who is signed in
    request.state.csrf_token = session.csrf_token  # and sign-out works from them
    if request.method in UNSAFE_METHODS:
        presented = request.headers.get(CSRF_HEADER)
        if presented is None:
            field = (await request.form()).get(CSRF_FIELD)
            presented = field if isinstance(field, str) else None
        if not token_matches(session.csrf_token, presented):
            raise Forbidden(STALE_FORM)
    return session


SessionDep = Annotated[Session, Depends(current_session)]


async def reading(session: SessionDep, context: Annotated[ApiContext, Depends(get_context)]) -> Permit:
    """The permit of a page that only reads: its one permission check."""
    return await permit(context, session.principal, Action.READ)


ReaderDep = Annotated[Permit, Depends(reading)]
