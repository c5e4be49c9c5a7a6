"""The cohort board (every participant, one row) and the due list (what the site owes
this week), each with a fragment route the page polls for live refresh."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from itc.api import operations
from itc.api.auth import Permit
from itc.api.cohort_view import board_rows, due_buckets, is_open
from itc.api.context import ApiContext, get_context
from itc.api.pages.session import ReaderDep, SessionDep
from itc.api.templating import render
from itc.models.enums import Stage

router = APIRouter(include_in_schema=False)

Context = Annotated[ApiContext, Depends(get_context)]

# One slow journey must not hold the page; its row falls back to the read model.
LIVE_TIMEOUT_SECONDS = 5.0


async def _board(context: ApiContext, reader: Permit, stage: str | None, site: str | None) -> dict[str, Any]:
    summaries = await operations.participants(context, reader, stage, site)
    live = await operations.statuses(
        context, reader, [s.participant_id for s in summaries if is_open(s)], LIVE_TIMEOUT_SECONDS
    )
    now = datetime.now(UTC)
    return {"rows": board_rows(summaries, live, now), "now": now, "stage": stage or "", "site": site or ""}


@router.get("/")
async def board_page(
    request: Request,
    session: SessionDep,
    reader: ReaderDep,
    context: Context,
    stage: str | None = None,
    site: str | None = None,
) -> HTMLResponse:
    board = await _board(context, reader, stage, site)
    everyone = await operations.participants(context, reader)
    sites = sorted({row.site for row in everyone if row.site})
    return render(
        request,
        "board.html",
        {**board, "session": session, "context": context, "stages": list(Stage), "sites": sites},
    )


@router.get("/board/rows")
async def board_rows_fragment(
    request: Request, reader: ReaderDep, context: Context, stage: str | None = None, site: str | None = None
) -> HTMLResponse:
    return render(request, "_board_table.html", await _board(context, reader, stage, site))


async def _due(context: ApiContext, reader: Permit) -> dict[str, Any]:
    summaries = await operations.participants(context, reader)
    live = await operations.statuses(
        context, reader, [s.participant_id for s in summaries if is_open(s)], LIVE_TIMEOUT_SECONDS
    )
    now = datetime.now(UTC)
    unanswered = sorted(pid for pid, status in live.items() if status is None)
    return {"buckets": due_buckets(live, now), "now": now, "unanswered": unanswered}


@router.get("/due")
async def due_page(request: Request, session: SessionDep, reader: ReaderDep, context: Context) -> HTMLResponse:
    return render(request, "due.html", {**await _due(context, reader), "session": session, "context": context})


@router.get("/due/items")
async def due_fragment(request: Request, reader: ReaderDep, context: Context) -> HTMLResponse:
    return render(request, "_due_lists.html", await _due(context, reader))
