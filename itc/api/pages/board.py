"""The cohort board (every participant, one row, searchable by participant), with a
fragment route the page polls for live refresh and a CSV download of the same rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from itc.api import operations
from itc.api.auth import Permit
from itc.api.cohort_view import board_rows, is_open
from itc.api.context import ApiContext, get_context
from itc.api.csv_export import csv_download
from itc.api.labels import human, readable
from itc.api.pages.session import ReaderDep, SessionDep
from itc.api.templating import render
from itc.models.enums import Stage

router = APIRouter(include_in_schema=False)

Context = Annotated[ApiContext, Depends(get_context)]

# One slow journey must not hold the page; its row falls back to the read model.
LIVE_TIMEOUT_SECONDS = 5.0


async def _board(
    context: ApiContext, reader: Permit, stage: str | None, site: str | None, q: str | None
) -> dict[str, Any]:
    summaries = await operations.participants(context, reader, stage, site)
    wanted = (q or "").strip().casefold()
    if wanted:
        summaries = [s for s in summaries if wanted in s.participant_id.casefold()]
    live = await operations.statuses(
        context, reader, [s.participant_id for s in summaries if is_open(s)], LIVE_TIMEOUT_SECONDS
    )
    now = datetime.now(UTC)
    return {
        "rows": board_rows(summaries, live, now),
        "now": now,
        "stage": stage or "",
        "site": site or "",
        "q": (q or "").strip(),
    }


@router.get("/")
async def board_page(
    request: Request,
    session: SessionDep,
    reader: ReaderDep,
    context: Context,
    stage: str | None = None,
    site: str | None = None,
    q: str | None = None,
) -> HTMLResponse:
    board = await _board(context, reader, stage, site, q)
    everyone = await operations.participants(context, reader)
    sites = sorted({row.site for row in everyone if row.site})
    return render(
        request,
        "board.html",
        {**board, "session": session, "context": context, "stages": list(Stage), "sites": sites},
    )


@router.get("/board/rows")
async def board_rows_fragment(
    request: Request,
    reader: ReaderDep,
    context: Context,
    stage: str | None = None,
    site: str | None = None,
    q: str | None = None,
) -> HTMLResponse:
    return render(request, "_board_table.html", await _board(context, reader, stage, site, q))


@router.get("/cohort.csv")
async def cohort_csv(
    reader: ReaderDep, context: Context, stage: str | None = None, site: str | None = None, q: str | None = None
) -> Response:
    board = await _board(context, reader, stage, site, q)
    header = ["Participant", "Site", "Stage", "Stage entered (UTC)", "Days in stage", "Next due", "Due (UTC)",
              "Infusions given", "Worst AE grade", "DLT", "Response", "PFS days", "Ended because", "Protocol"]  # fmt: skip
    rows = [
        (
            row.summary.participant_id,
            row.summary.site,
            human(row.summary.stage),
            row.summary.stage_entered_at,
            row.days_in_stage,
            readable(row.next_due.label) if row.next_due else None,
            row.next_due.due_at if row.next_due else None,
            row.summary.infusions_given,
            row.summary.worst_ae_grade or None,
            row.summary.dlt,
            row.summary.response,
            row.summary.pfs_days,
            row.summary.end_reason,
            row.summary.protocol_version,
        )
        for row in board["rows"]
    ]
    return csv_download(f"cohort-{board['now']:%Y%m%d}.csv", header, rows)
