"""The supervisors' page of the access log: filters by person, kind and time, and the same
entries as CSV (ICH E6(R3) 4.2.2)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from itc.api.context import ApiContext, get_context
from itc.api.errors import Forbidden
from itc.api.pages.session import SessionDep
from itc.api.routers.access_log import access_entries, entries_csv, may_read_access_log
from itc.api.templating import render
from itc.base.errors import InvalidInput
from itc.people.access_log import AccessKind

router = APIRouter(include_in_schema=False)
Context = Annotated[ApiContext, Depends(get_context)]


def _filters(person: str, kind: str, since: str) -> tuple[str | None, AccessKind | None, datetime | None]:
    try:
        wanted_kind = AccessKind(kind) if kind else None
    except ValueError:
        raise InvalidInput(f"kind: {kind!r} is not one of {', '.join(k.value for k in AccessKind)}") from None
    try:
        start = datetime.fromisoformat(since) if since else None
    except ValueError:
        raise InvalidInput(f"since: {since!r} is not a date and time like 2026-03-01T00:00") from None
    return person.strip() or None, wanted_kind, start


@router.get("/access-log")
async def access_log_page(
    request: Request, session: SessionDep, context: Context, person: str = "", kind: str = "", since: str = ""
) -> HTMLResponse:
    if not may_read_access_log(session.principal):
        raise Forbidden("Only supervisors and administrators may read the access log.")
    who, what, start = _filters(person, kind, since)
    entries = await access_entries(context, who, what, start)
    return render(
        request,
        "access_log.html",
        {"session": session, "entries": entries, "kinds": list(AccessKind),
         "filters": {"person": person, "kind": kind, "since": since}},
    )  # fmt: skip


@router.get("/access-log.csv")
async def access_log_csv(
    session: SessionDep, context: Context, person: str = "", kind: str = "", since: str = ""
) -> Response:
    if not may_read_access_log(session.principal):
        raise Forbidden("Only supervisors and administrators may read the access log.")
    who, what, start = _filters(person, kind, since)
    return Response(
        entries_csv(await access_entries(context, who, what, start, limit=10_000)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="access-log.csv"'},
    )
