"""Recompute the read model from the permanent record alone."""

from __future__ import annotations

from itertools import groupby

import asyncpg

from itc.eventstore import queries
from itc.eventstore.projection import replay
from itc.eventstore.store import event_from_row, status_to_args


async def rebuild_projections(pool: asyncpg.Pool) -> int:
    """Replace every participant_status row by replaying journey_events; return the row count."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(queries.LOCK_EVENTS_FOR_REBUILD)
        await conn.execute(queries.LOCK_STATUS_FOR_REBUILD)
        await conn.execute(queries.DELETE_ALL_STATUS)
        rows = await conn.fetch(queries.SELECT_ALL_EVENTS)
        count = 0
        for _, participant_rows in groupby(rows, key=lambda row: row["participant_id"]):
            status = replay([event_from_row(row) for row in participant_rows])
            if status is None:
                continue
            await conn.execute(queries.UPSERT_STATUS, *status_to_args(status))
            count += 1
        return count
