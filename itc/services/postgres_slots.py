"""Manufacturing slots in PostgreSQL: each week's capacity and who holds each slot.

Double booking is refused by the database itself: a slot (site, week, number) has at most
one 'reserved' row (a partial unique index), and a participant holds at most one slot.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import asyncpg
import structlog

from itc.models.slots import ReleasedSlot, ReleaseSlotInput, ReserveSlotInput, SlotReservation, WeekSlots, week_of
from itc.services import postgres_queries as q
from itc.services.errors import IdempotencyConflict, NoCapacityError
from itc.services.slot_log import log_slot_reserved

log = structlog.get_logger(__name__)

WEEK = timedelta(days=7)


class PostgresManufacturingSlots:
    """Reserve and release the site's weekly manufacturing slots; capacity is manufacturing_capacity's row."""

    def __init__(self, pool: asyncpg.Pool, *, site: str = "default") -> None:
        self._pool = pool
        self._site = site

    async def reserve_slot(self, request: ReserveSlotInput) -> SlotReservation:
        # One transaction: a move frees the old slot and takes the new one together, and is undone
        # whole when no week has room, so she keeps the slot she had.
        async with self._pool.acquire() as conn, conn.transaction():
            existing = await conn.fetchrow(q.SELECT_RESERVATION_BY_KEY, request.idempotency_key)
            if existing is not None:
                return _answer_retry(existing, request)
            if request.moving_from is not None:
                await conn.execute(
                    q.RELEASE_MOVED_SLOT, request.moving_from, request.participant_id, "moved to a later week"
                )
            held = await conn.fetchrow(q.SELECT_HELD_BY_PARTICIPANT, request.participant_id)
            if held is not None:
                # She already holds one (reserved under an earlier key): that is her slot.
                return _reservation(held, duplicate=True)
            per_week = await self._slots_per_week(conn)
            week = week_of(request.earliest)
            while week <= week_of(request.latest):
                reservation = await self._reserve_in_week(conn, request, week, per_week)
                if reservation is not None:
                    log_slot_reserved(log, request.participant_id, reservation)
                    return reservation
                week += WEEK
            # Raised inside the transaction, so a move that found no room frees nothing.
            raise NoCapacityError(
                f"no manufacturing slot free in the weeks of {request.earliest.isoformat()} "
                f"to {request.latest.isoformat()}"
            )

    async def release_slot(self, request: ReleaseSlotInput) -> ReleasedSlot:
        async with self._pool.acquire() as conn, conn.transaction():
            # Claiming the key first makes a concurrent retry wait for this one and then report
            # its answer, rather than "nothing held".
            claimed = await conn.fetchval(q.CLAIM_SLOT_RELEASE, request.idempotency_key, request.participant_id)
            if claimed is None:
                earlier = await conn.fetchrow(q.SELECT_SLOT_RELEASE, request.idempotency_key)
                if earlier["participant_id"] != request.participant_id:
                    raise IdempotencyConflict("this release key was used for another participant")
                return ReleasedSlot(released=earlier["released"], duplicate=True)
            rows = await conn.fetch(q.RELEASE_HELD_SLOT, request.participant_id, request.reason)
            await conn.execute(q.RECORD_SLOT_RELEASE, request.idempotency_key, len(rows))
        log.info("manufacturing_slot_released", participant_id=request.participant_id, released=len(rows))
        return ReleasedSlot(released=len(rows))

    async def weeks_ahead(self, first_week: date, weeks: int) -> list[WeekSlots]:
        start = week_of(first_week)
        last = start + WEEK * (weeks - 1)
        async with self._pool.acquire() as conn:
            per_week = await self._slots_per_week(conn)
            held = {
                row["week_start"]: row["held"] for row in await conn.fetch(q.HELD_PER_WEEK, self._site, start, last)
            }
        return [
            WeekSlots(week_start=start + WEEK * i, capacity=per_week, reserved=held.get(start + WEEK * i, 0))
            for i in range(weeks)
        ]

    async def _slots_per_week(self, conn: asyncpg.Connection) -> int:
        per_week = await conn.fetchval(q.SELECT_SLOTS_PER_WEEK, self._site)
        if per_week is None:
            raise NoCapacityError(f"no manufacturing capacity is configured for site {self._site}")
        return int(per_week)

    async def _reserve_in_week(
        self, conn: asyncpg.Connection, request: ReserveSlotInput, week: date, per_week: int
    ) -> SlotReservation | None:
        """Take the lowest free slot of the week; None when every slot is held."""
        taken = {row["slot_number"] for row in await conn.fetch(q.HELD_SLOT_NUMBERS, self._site, week)}
        for number in range(per_week):
            if number in taken:
                continue
            row = await conn.fetchrow(
                q.INSERT_RESERVATION,
                f"slot-{uuid.uuid4().hex}",
                request.idempotency_key,
                request.participant_id,
                request.earliest,
                request.latest,
                self._site,
                week,
                number,
            )
            if row is not None:
                return _reservation(row, duplicate=False)
            # Refused by a unique index: the same key from a concurrent retry, a slot for this
            # participant taken concurrently, or this slot taken by someone else (try the next).
            if (mine := await conn.fetchrow(q.SELECT_RESERVATION_BY_KEY, request.idempotency_key)) is not None:
                return _answer_retry(mine, request)
            if (held := await conn.fetchrow(q.SELECT_HELD_BY_PARTICIPANT, request.participant_id)) is not None:
                return _reservation(held, duplicate=True)
        return None


def _answer_retry(row: asyncpg.Record, request: ReserveSlotInput) -> SlotReservation:
    asked = (row["participant_id"], row["window_earliest"], row["window_latest"])
    if asked != (request.participant_id, request.earliest, request.latest):
        raise IdempotencyConflict("this reservation key was used for another participant or window")
    return _reservation(row, duplicate=True)


def _reservation(row: asyncpg.Record, *, duplicate: bool) -> SlotReservation:
    return SlotReservation(
        reservation_id=row["reservation_id"],
        week_start=row["week_start"],
        slot_number=row["slot_number"],
        duplicate=duplicate,
    )
