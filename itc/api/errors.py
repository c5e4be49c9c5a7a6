"""Refusals and failures as HTTP answers: a status code and a message a person can act on.

The API answers `{"detail": "...", "problems": [...]}`; dashboard pages show the same
message on an error page. Never a traceback: an unexpected error is logged (without the
request body, which may carry PHI) and answered with a short 500.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import asyncpg
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from itc.api.security_headers import apply_security_headers, policy_for
from itc.base.errors import (
    DatabaseUnreachable,
    DevStackError,
    EnrolmentClosed,
    InvalidInput,
    JourneyAlreadyExists,
    JourneyNotFound,
    NoWorker,
    QueryFailed,
    RequestConflict,
    TemporalUnreachable,
    UpdateRejected,
    UserFacingError,
    problem_lines,
)
from itc.base.logging import get_logger
from itc.people.accounts import AccountUnusable, SignInRefused, UnknownPerson
from itc.people.signing import SignatureRefused
from itc.people.tokens import TokenRefused

log = get_logger(__name__)

API_PREFIX = "/api/"
_REQUEST_PARTS = (("body",), ("query",), ("path",))


class NotAuthenticated(UserFacingError):
    pass


class LoginRequired(NotAuthenticated):
    """A dashboard page without a valid session: sent to the login form, not shown a 401."""


class Forbidden(UserFacingError):
    pass


class Problem(BaseModel):
    """Every refusal and failure."""

    detail: str
    problems: list[str] = []


# Most specific first; the first class an error is an instance of wins.
STATUS_CODES: tuple[tuple[type[UserFacingError], int], ...] = (
    (NotAuthenticated, 401),
    (SignInRefused, 401),
    (AccountUnusable, 401),
    (TokenRefused, 401),
    (UnknownPerson, 404),
    (SignatureRefused, 403),
    (Forbidden, 403),
    (JourneyNotFound, 404),
    (JourneyAlreadyExists, 409),
    (EnrolmentClosed, 409),
    (RequestConflict, 409),
    # A workflow validator's refusal is a problem with the input in this journey's state.
    (UpdateRejected, 422),
    (InvalidInput, 422),
    (QueryFailed, 502),
    (NoWorker, 503),
    (TemporalUnreachable, 503),
    (DatabaseUnreachable, 503),
    (DevStackError, 503),
)

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No bearer token, or an unknown one"},
    403: {"model": Problem, "description": "The token's role may not do this"},
    409: {
        "model": Problem,
        "description": (
            "The participant already has a journey, enrolment is closed, or the request ID was already used "
            "for another action (the answer names its event)"
        ),
    },
    422: {"model": Problem, "description": "Invalid input, or refused by the journey's validator"},
    503: {"model": Problem, "description": "Temporal, a worker or PostgreSQL is not answering"},
}
WRITE_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    413: {"model": Problem, "description": "The body is larger than ITC_API_MAX_BODY_BYTES"},
    429: {"model": Problem, "description": "Too many writes with this token; wait `Retry-After` seconds"},
}


class BodyTooLarge(HTTPException):
    """An HTTPException, so FastAPI's body reading passes it on instead of turning it into a 400."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body is larger than this server accepts ({max_bytes} bytes).")


def status_code_for(error: UserFacingError) -> int:
    return next((code for kind, code in STATUS_CODES if isinstance(error, kind)), 400)


def describe(error: Exception) -> tuple[int, str, list[str]]:
    """Status, message and detail lines for any error a request can end in."""
    if isinstance(error, UserFacingError):
        return status_code_for(error), error.message, error.lines
    if isinstance(error, BodyTooLarge):
        return error.status_code, str(error.detail), []
    if isinstance(error, RequestValidationError) and any(p.get("type") == "json_invalid" for p in error.errors()):
        return 422, "The request body is not valid JSON.", []
    if isinstance(error, RequestValidationError):
        # "body.results.0.value" reads better as "results.0.value".
        lines = problem_lines(
            {
                **problem,
                "loc": tuple(problem["loc"])[1:] if tuple(problem["loc"])[:1] in _REQUEST_PARTS else problem["loc"],
            }
            for problem in error.errors()
        )
        return 422, f"Invalid input: {len(lines)} problem(s)", lines
    if isinstance(error, WorkflowQueryFailedError):
        # The workflow code itself failed to answer (a bug or an incompatible deployment).
        return 502, f"The journey could not answer: {error.message}", []
    if isinstance(error, RPCError):
        if error.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            return 503, f"Temporal stopped answering ({error.message}); is it running?", []
        return 502, f"Temporal refused the request: {error.message}", []
    if isinstance(error, asyncpg.UndefinedTableError):
        return 503, "The database has no event-store tables yet; run `itc migrate` first.", []
    if isinstance(error, asyncpg.PostgresError | asyncpg.InterfaceError | ConnectionError):
        return 503, "The event store (PostgreSQL) is not answering; see the server log.", []
    return 500, "Internal error; it has been logged. Please try again or tell the trial's IT support.", []


def problem_response(status: int, message: str, lines: list[str]) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(Problem(detail=message, problems=lines).model_dump(), status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    async def handle(request: Request, error: Exception) -> Response:
        response = await answer(request, error)
        # Unexpected errors are answered outside every middleware, so the headers are added here too.
        apply_security_headers(response.headers, request.url.path, policy_for(request.url.path))
        return response

    async def answer(request: Request, error: Exception) -> Response:
        status, message, lines = describe(error)
        if status >= 500:
            # The type and route only: messages of unexpected errors may quote input values.
            log.error("request failed", path=request.url.path, error_type=type(error).__name__, status=status)
        if request.url.path.startswith(API_PREFIX) or request.url.path == "/openapi.json":
            return problem_response(status, message, lines)
        from itc.api.templating import render_error, render_refresh_error

        if request.headers.get("HX-Request") == "true":
            # A live-refresh request: its answer replaces part of a page, not the page.
            return render_refresh_error(request, status, message)
        if isinstance(error, LoginRequired) and request.method == "GET":
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        return render_error(request, status, message, lines)

    for kind in (
        UserFacingError,
        BodyTooLarge,
        RequestValidationError,
        WorkflowQueryFailedError,
        RPCError,
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
        Exception,
    ):
        app.add_exception_handler(kind, handle)
