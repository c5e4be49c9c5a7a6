"""Signing in to the dashboard: a token (the same ones the API takes) and the staff ID
recorded as the actor of every form sent in this session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError

from itc.actions import Action
from itc.api.auth import Permit, Principal, identify, permit
from itc.api.context import ApiContext, get_context
from itc.api.errors import LoginRequired, NotAuthenticated
from itc.api.templating import render
from itc.models.inputs import ActorId

router = APIRouter(include_in_schema=False)

TOKEN_COOKIE = "itc_token"
STAFF_COOKIE = "itc_staff"
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
    for name, value in ((TOKEN_COOKIE, token.strip()), (STAFF_COOKIE, staff)):
        response.set_cookie(
            name, value, max_age=SESSION_SECONDS, httponly=True, samesite="strict", secure=secure, path="/"
        )
    return response


@router.post("/logout")
async def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    for name in (TOKEN_COOKIE, STAFF_COOKIE):
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
    def __init__(self, principal: Principal, staff_id: str) -> None:
        self.principal = principal
        self.staff_id = staff_id

    @property
    def role(self) -> str:
        return self.principal.role.value


async def current_session(request: Request, context: Annotated[ApiContext, Depends(get_context)]) -> Session:
    principal = identify(context.tokens, request.cookies.get(TOKEN_COOKIE), error=LoginRequired)
    staff_id = request.cookies.get(STAFF_COOKIE)
    if not staff_id:
        raise LoginRequired("Sign in again: the session has no staff ID.")
    request.state.principal = principal  # error pages show who is signed in
    return Session(principal, staff_id)


SessionDep = Annotated[Session, Depends(current_session)]


async def reading(session: SessionDep, context: Annotated[ApiContext, Depends(get_context)]) -> Permit:
    """The permit of a page that only reads: its one permission check."""
    return await permit(context, session.principal, Action.READ)


ReaderDep = Annotated[Permit, Depends(reading)]
