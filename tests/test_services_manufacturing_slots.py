"""Manufacturing slots in the PostgreSQL scheduling service: weekly capacity, holds, releases.

FACT-JACIE (cellular therapy standards, collection and processing facility coordination):
collection is scheduled only when the processing facility has capacity, so a slot is held per
run, never twice, and freed when the run will not happen.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import asyncpg
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import names
from activities.journey_activities import JourneyActivities
from itc.eventstore.store import EventStore
from itc.models.slots import ReleaseSlotInput, ReserveSlotInput
from itc.services.errors import NoCapacityError
from itc.services.postgres import PostgresLabService, PostgresNotificationService, PostgresSchedulingService
from itc.services.postgres_slots import PostgresManufacturingSlots

MONDAY = date(2026, 6, 1)
WEEK = timedelta(days=7)


async def _set_capacity(pool: asyncpg.Pool, per_week: int) -> None:
    async with pool.acquire() as conn:
        await conn.execute("UPDATE manufacturing_capacity SET slots_per_week = $1 WHERE site = 'default'", per_week)


def reserve(key: str, pid: str, earliest: date = MONDAY, latest: date = MONDAY + WEEK) -> ReserveSlotInput:
    return ReserveSlotInput(idempotency_key=key, participant_id=pid, earliest=earliest, latest=latest)


@pytest.fixture
def slots(db_pool: asyncpg.Pool) -> PostgresManufacturingSlots:
    return PostgresManufacturingSlots(db_pool)


@pytest.fixture
def acts(db_pool: asyncpg.Pool, slots: PostgresManufacturingSlots) -> JourneyActivities:
    return JourneyActivities(
        EventStore(db_pool),
        PostgresNotificationService(db_pool),
        PostgresLabService(db_pool),
        PostgresSchedulingService(db_pool),
        slots,
    )


async def test_slots_fill_the_earliest_week_first_then_the_next_then_none(
    db_pool: asyncpg.Pool, slots: PostgresManufacturingSlots
) -> None:
    await _set_capacity(db_pool, 1)
    first = await slots.reserve_slot(reserve("k1", "ITC-001", MONDAY + timedelta(days=2)))
    second = await slots.reserve_slot(reserve("k2", "ITC-002"))
    assert (first.week_start, first.slot_number) == (MONDAY, 0)
    assert (second.week_start, second.slot_number) == (MONDAY + WEEK, 0)
    with pytest.raises(NoCapacityError):
        await slots.reserve_slot(reserve("k3", "ITC-003"))
    weeks = await slots.weeks_ahead(MONDAY + timedelta(days=3), 3)
    assert [(w.week_start, w.capacity, w.reserved, w.free) for w in weeks] == [
        (MONDAY, 1, 1, 0),
        (MONDAY + WEEK, 1, 1, 0),
        (MONDAY + 2 * WEEK, 1, 0, 1),
    ]


async def test_double_booking_a_slot_is_refused_by_the_database(db_pool: asyncpg.Pool) -> None:
    """The same refusal as infusion chairs get, made by a unique index rather than by the code."""
    insert = """
        INSERT INTO manufacturing_slot_reservations (reservation_id, idempotency_key, participant_id,
            window_earliest, window_latest, site, week_start, slot_number)
        VALUES ($1, $2, $3, $4, $4, 'default', $4, 0)
    """
    async with db_pool.acquire() as conn:
        await conn.execute(insert, "r1", "k1", "ITC-001", MONDAY)
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.execute(insert, "r2", "k2", "ITC-002", MONDAY)


async def test_concurrent_reservations_never_exceed_a_weeks_capacity(
    db_pool: asyncpg.Pool, slots: PostgresManufacturingSlots
) -> None:
    await _set_capacity(db_pool, 2)
    one_week = [reserve(f"k{i}", f"ITC-{i:03d}", MONDAY, MONDAY) for i in range(6)]
    results = await asyncio.gather(*(slots.reserve_slot(r) for r in one_week), return_exceptions=True)
    held = [r for r in results if not isinstance(r, BaseException)]
    assert len(held) == 2 and sorted(r.slot_number for r in held) == [0, 1]
    assert all(isinstance(r, NoCapacityError) for r in results if isinstance(r, BaseException))


async def test_a_retried_reservation_gets_the_same_slot_and_a_conflicting_one_is_an_error(
    acts: JourneyActivities,
) -> None:
    env = ActivityEnvironment()
    first = await env.run(acts.reserve_manufacturing_slot, reserve("wf:12:slot-1", "ITC-001"))
    again = await env.run(acts.reserve_manufacturing_slot, reserve("wf:12:slot-1", "ITC-001"))
    assert again.duplicate and (again.reservation_id, again.week_start) == (first.reservation_id, first.week_start)
    with pytest.raises(ApplicationError) as conflict:
        await env.run(acts.reserve_manufacturing_slot, reserve("wf:12:slot-1", "ITC-002"))
    assert conflict.value.type == names.IDEMPOTENCY_CONFLICT and conflict.value.non_retryable


async def test_a_release_frees_the_slot_once_even_when_the_activity_is_retried(
    db_pool: asyncpg.Pool, acts: JourneyActivities, slots: PostgresManufacturingSlots
) -> None:
    await _set_capacity(db_pool, 1)
    env = ActivityEnvironment()
    await env.run(acts.reserve_manufacturing_slot, reserve("a:5:slot-1", "ITC-001", MONDAY, MONDAY))
    with pytest.raises(ApplicationError) as full:
        await env.run(acts.reserve_manufacturing_slot, reserve("b:5:slot-1", "ITC-002", MONDAY, MONDAY))
    assert full.value.type == names.NO_CAPACITY

    release = ReleaseSlotInput(idempotency_key="a:30:release-slot", participant_id="ITC-001", reason="withdrawn")
    freed = await env.run(acts.release_manufacturing_slot, release)
    retried = await env.run(acts.release_manufacturing_slot, release)
    assert (freed.released, freed.duplicate) == (1, False)
    assert (retried.released, retried.duplicate) == (1, True)
    taken = await env.run(acts.reserve_manufacturing_slot, reserve("b:9:slot-2", "ITC-002", MONDAY, MONDAY))
    assert (taken.week_start, taken.slot_number) == (MONDAY, 0)
    # The first holder's retry did not free the slot the second now holds.
    assert (await env.run(acts.release_manufacturing_slot, release)).released == 1
    assert [(w.reserved, w.free) for w in await slots.weeks_ahead(MONDAY, 1)] == [(1, 0)]
    with pytest.raises(ApplicationError) as conflict:
        await env.run(
            acts.release_manufacturing_slot,
            ReleaseSlotInput(idempotency_key="a:30:release-slot", participant_id="ITC-002", reason="withdrawn"),
        )
    assert conflict.value.type == names.IDEMPOTENCY_CONFLICT


async def test_the_engine_role_may_hold_and_free_slots_but_not_change_capacity(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        grants = {
            (row["table_name"], row["privilege_type"])
            for row in await conn.fetch(
                "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
                "WHERE grantee = 'itc_engine' AND table_name LIKE 'manufacturing%'"
            )
        }
    assert ("manufacturing_capacity", "SELECT") in grants
    assert ("manufacturing_capacity", "UPDATE") not in grants
    assert ("manufacturing_slot_reservations", "INSERT") in grants
    assert ("manufacturing_slot_reservations", "DELETE") not in grants


async def test_a_move_takes_the_new_week_and_frees_the_old_together_or_not_at_all(
    db_pool: asyncpg.Pool, slots: PostgresManufacturingSlots
) -> None:
    """A slot whose week passed is moved in one transaction: she never holds none while a week has
    room, nor two; with no room the move changes nothing and she keeps the slot she had."""
    await _set_capacity(db_pool, 1)
    old = await slots.reserve_slot(reserve("m1", "ITC-001", MONDAY, MONDAY))
    later = MONDAY + 3 * WEEK
    await slots.reserve_slot(reserve("m2", "ITC-002", later, later))
    move_into_full = reserve("m3", "ITC-001", later, later).model_copy(update={"moving_from": old.reservation_id})
    with pytest.raises(NoCapacityError):
        await slots.reserve_slot(move_into_full)
    assert [w.reserved for w in await slots.weeks_ahead(MONDAY, 1)] == [1]

    move = reserve("m4", "ITC-001", later, later + WEEK).model_copy(update={"moving_from": old.reservation_id})
    moved = await slots.reserve_slot(move)
    again = await slots.reserve_slot(move)
    assert moved.week_start == later + WEEK and moved.reservation_id != old.reservation_id
    assert again.reservation_id == moved.reservation_id and again.duplicate
    weeks = await slots.weeks_ahead(MONDAY, 5)
    assert [w.reserved for w in weeks] == [0, 0, 0, 1, 1]
