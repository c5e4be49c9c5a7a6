"""The cohort's immune function and tumour markers: each code's median value and change from
baseline at each time point, over every journey that has values (ended ones included)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from itc.api import operations
from itc.api.context import ApiContext, get_context
from itc.api.pages.session import ReaderDep, SessionDep
from itc.api.templating import render
from itc.rules.outcome_change import cohort_changes

router = APIRouter(include_in_schema=False)

Context = Annotated[ApiContext, Depends(get_context)]

# A journey that does not answer in time is left out, and the page says how many were.
LIVE_TIMEOUT_SECONDS = 5.0


@router.get("/outcomes")
async def outcomes_page(request: Request, session: SessionDep, reader: ReaderDep, context: Context) -> HTMLResponse:
    summaries = await operations.participants(context, reader)
    live = await operations.statuses(context, reader, [s.participant_id for s in summaries], LIVE_TIMEOUT_SECONDS)
    answered = [status for status in live.values() if status is not None]
    return render(
        request,
        "outcomes.html",
        {
            "session": session,
            "context": context,
            "changes": cohort_changes([status.outcome_series for status in answered]),
            "journeys": len(summaries),
            "unanswered": len(live) - len(answered),
        },
    )
