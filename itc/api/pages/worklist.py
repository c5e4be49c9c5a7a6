"""The site's worklist (what is overdue, due today and this week), filterable, printable
and downloadable as CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from itc.api import operations
from itc.api.auth import Permit
from itc.api.cohort_view import KINDS, VISIT, is_open
from itc.api.context import ApiContext, get_context
from itc.api.csv_export import csv_download
from itc.api.labels import human, readable
from itc.api.pages.session import ReaderDep, SessionDep
from itc.api.templating import render
from itc.api.worklist import Timing, WorklistFilter, sections, worklist

router = APIRouter(include_in_schema=False)

Context = Annotated[ApiContext, Depends(get_context)]

# One slow journey must not hold the page; its items are named as missing instead.
LIVE_TIMEOUT_SECONDS = 5.0
KIND_CHOICES = sorted({*KINDS.values(), VISIT})


async def _worklist(context: ApiContext, reader: Permit, wanted: WorklistFilter) -> dict[str, Any]:
    summaries = await operations.participants(context, reader, site=wanted.site or None)
    live = await operations.statuses(
        context, reader, [s.participant_id for s in summaries if is_open(s)], LIVE_TIMEOUT_SECONDS
    )
    now = datetime.now(UTC)
    items = [item for item in worklist(live, now) if wanted.keeps(item)]
    unanswered = sorted(pid for pid, status in live.items() if status is None)
    return {"items": items, "sections": sections(items), "now": now, "unanswered": unanswered, "wanted": wanted}


def _filter(
    site: str | None = None,
    kind: str | None = None,
    timing: str | None = None,
    participant: str | None = None,
    ahead: str | None = None,
) -> WorklistFilter:
    """The worklist's filter from the query string; the page, its live fragment and the CSV share it."""
    return WorklistFilter(
        site=site or "",
        kind=kind or "",
        timing=timing or "",
        participant=(participant or "").strip(),
        later=ahead == "all",
    )


Wanted = Annotated[WorklistFilter, Depends(_filter)]


@router.get("/due")
async def worklist_page(
    request: Request,
    session: SessionDep,
    reader: ReaderDep,
    context: Context,
    wanted: Wanted,
) -> HTMLResponse:
    everyone = await operations.participants(context, reader)
    return render(
        request,
        "due.html",
        {
            **await _worklist(context, reader, wanted),
            "session": session,
            "context": context,
            "sites": sorted({row.site for row in everyone if row.site}),
            "kinds": KIND_CHOICES,
            "timings": list(Timing),
            "query": request.url.query,
        },
    )


@router.get("/due/items")
async def worklist_fragment(
    request: Request,
    reader: ReaderDep,
    context: Context,
    wanted: Wanted,
) -> HTMLResponse:
    page = await _worklist(context, reader, wanted)
    return render(request, "_due_lists.html", {**page, "query": request.url.query})


@router.get("/due.csv")
async def worklist_csv(
    reader: ReaderDep,
    context: Context,
    wanted: Wanted,
) -> Response:
    page = await _worklist(context, reader, wanted)
    header = ["Participant", "Site", "Kind", "What", "Due (UTC)", "Window opens (UTC)", "Window closes (UTC)",
              "Timing", "When"]  # fmt: skip
    rows = [
        (
            w.participant_id,
            w.site,
            w.kind,
            readable(w.item.label),
            w.item.due_at,
            w.item.window_start,
            w.item.window_end,
            human(w.timing.value),
            human(w.horizon.value),
        )
        for w in page["items"]
    ]
    return csv_download(f"worklist-{page['now']:%Y%m%d}.csv", header, rows)
