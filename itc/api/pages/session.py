"""Signing in to the dashboard: a token (the same ones the API takes) and the staff ID
recorded as the actor of every form sent in this session.

Each sign-in also gets a random session ID, to which the forms' CSRF token is bound
(api/csrf.py); every unsafe request of a session must carry that token."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError

from itc.actions import Action
from itc.api.auth import Permit, Principal, identify, permit
from itc.api.context import ApiContext, get_context
from itc.api.csrf import CSRF_FIELD, CSRF_HEADER, STALE_FORM, csrf_token, token_matches
from itc.api.errors import Forbidden, LoginRequired, NotAuthenticated
from itc.api.rate_limit import UNSAFE_METHODS
from itc.api.templating import render
from itc.models.inputs import ActorId

router = APIRouter(include_in_schema=False)

TOKEN_COOKIE = "itc_token"
STAFF_COOKIE = "itc_staff"
SESSION_COOKIE = "itc_session"
SESSION_COOKIES = (TOKEN_COOKIE, STAFF_COOKIE, SESSION_COOKIE)
SESSION_SECONDS = 12 * 3600  # one working day; then sign in again
_ACTOR = TypeAdapter(ActorId)


@router.get("/login")
async def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", {"next": _safe_next(next), "error": None, "staff_id": ""})


@router.post("/login")
async def login(
    request: Request,
    context: Annotated[ApiContext, Depends(get_context)],
    token: Annotated[str, Form()] = "",
    staff_id: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        identify(context.tokens, token.strip())
        staff = _ACTOR.validate_python(staff_id.strip())
    except NotAuthenticated as error:
        return _login_error(request, error.message, staff_id, next)
    except ValidationError:
        return _login_error(
            request, "Staff ID: letters, digits, dots, dashes or underscores, e.g. nurse.rahimi", staff_id, next
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    secure = request.url.scheme == "https"
    cookies = ((TOKEN_COOKIE, token.strip()), (STAFF_COOKIE, staff), (SESSION_COOKIE, secrets.token_urlsafe(32)))
    for name, value in cookies:
        response.set_cookie(
            name, value, max_age=SESSION_SECONDS, httponly=True, samesite="strict", secure=secure, path="/"
        )
    return response


@router.post("/logout")
async def logout(request: Request, context: Annotated[ApiContext, Depends(get_context)]) -> Response:
    try:
        await current_session(request, context)  # a live session signs out only with its form's token
    except LoginRequired:
        pass  # nothing left to protect: clear whatever remains
    response = RedirectResponse("/login", status_code=303)
    for name in SESSION_COOKIES:
        response.delete_cookie(name, path="/")
    return response


def _login_error(request: Request, message: str, staff_id: str, next_url: str) -> HTMLResponse:
    return render(
        request,
        "login.html",
        {"next": _safe_next(next_url), "error": message, "staff_id": staff_id},
        status_code=401,
    )


def _safe_next(value: str) -> str:
    # Only paths on this site: "//evil.example" or a full URL would make login an open redirect.
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


class Session:
    def __init__(self, principal: Principal, staff_id: str, csrf_token: str) -> None:
        self.principal = principal
        self.staff_id = staff_id
        self.csrf_token = csrf_token

    @property
    def role(self) -> str:
        return self.principal.role.value


async def current_session(request: Request, context: Annotated[ApiContext, Depends(get_context)]) -> Session:
    """The signed-in session; for an unsafe method, only with the CSRF token of its forms."""
    token = request.cookies.get(TOKEN_COOKIE)
    principal = identify(context.tokens, token, error=LoginRequired)
    staff_id = request.cookies.get(STAFF_COOKIE)
    session_id = request.cookies.get(SESSION_COOKIE)
    if not staff_id or not session_id or token is None:
        raise LoginRequired("Sign in again: the session has ended.")
    session = Session(principal, staff_id, csrf_token(token, session_id, staff_id))
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
