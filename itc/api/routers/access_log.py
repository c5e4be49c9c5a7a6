"""GET /api/access-log: who signed in, failed, was locked, created or changed which account,
and whose signature failed (ICH E6(R3) 4.2.2), newest first, as JSON or CSV. For supervisors
and administrators."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from itc.api.auth import Principal, authenticated
from itc.api.context import ApiContext, get_context
from itc.api.errors import ERROR_RESPONSES, Forbidden
from itc.models.roles import Role
from itc.people.access_log import AccessEntry, AccessKind, read_access_log

router = APIRouter(prefix="/api", tags=["people"], responses=ERROR_RESPONSES)

CSV_COLUMNS = ("entry_id", "occurred_at", "kind", "person_id", "actor_id", "channel", "detail")


def may_read_access_log(principal: Principal) -> bool:
    return principal.administrator or Role.SUPERVISOR in principal.roles


async def access_reader(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
    if not may_read_access_log(principal):
        raise Forbidden("Only supervisors and administrators may read the access log.")
    return principal


async def access_entries(
    context: ApiContext,
    person: str | None = None,
    kind: AccessKind | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
) -> list[AccessEntry]:
    return await read_access_log(
        context.people.pool, person_id=person or None, kind=kind, since=since, until=until, limit=limit
    )


def entries_csv(entries: list[AccessEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        row = entry.model_dump(mode="json")
        row["detail"] = json.dumps(row["detail"], sort_keys=True)
        writer.writerow([row[column] if row[column] is not None else "" for column in CSV_COLUMNS])
    return out.getvalue()


@router.get("/access-log", summary="The access log (supervisors and administrators)")
async def access_log(
    reader: Annotated[Principal, Depends(access_reader)],
    context: Annotated[ApiContext, Depends(get_context)],
    person: Annotated[str | None, Query(description="Entries about or by this person")] = None,
    kind: Annotated[AccessKind | None, Query(description="Only this kind of entry")] = None,
    since: Annotated[datetime | None, Query(description="From this time (inclusive)")] = None,
    until: Annotated[datetime | None, Query(description="Before this time")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 500,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    entries = await access_entries(context, person, kind, since, until, limit)
    if format == "csv":
        return Response(
            entries_csv(entries),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="access-log.csv"'},
        )
    return Response(json.dumps([entry.model_dump(mode="json") for entry in entries]), media_type="application/json")
