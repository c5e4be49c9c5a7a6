"""Manufacturing slots as a saga: reserved at eligibility, the biopsy booked only with one, released
when the run will not happen (withdrawal, manufacturing failure), a queue when none is free.

FACT-JACIE (collection scheduled with the processing facility's capacity) and the issue's proof:
the slot is freed on withdrawal and manufacturing failure, also when the release activity is
retried, against the real PostgreSQL scheduling service; a participant with no free slot waits
and is booked when one frees (time-skipping).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest
from journey_harness import (
    GOOD_SCREENING_LABS,
    STAFF,
    MockServices,
    collect_biopsy,
    complete_baseline,
    drive_to_manufacturing,
    pass_screening,
    record_eligibility,
    record_labs,
    record_milestone,
    start_journey,
    worker_for,
)
from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from activities import names
from itc.drivers.env_journey import activity_definition_name
from itc.models.enums import Stage
from itc.models.slots import ReleasedSlot, ReleaseSlotInput, ReserveSlotInput, SlotReservation, week_of
from itc.services.errors import NoCapacityError
from itc.services.postgres_slots import PostgresManufacturingSlots


class RealSlots(MockServices):
    """Mocked services, except the manufacturing slots: the real PostgreSQL service. With
    `lose_first_release_answer`, the first release attempt frees the slot and then fails as if its
    answer were lost, so Temporal retries the activity with the same idempotency key."""

    def __init__(self, slots: PostgresManufacturingSlots, *, lose_first_release_answer: bool = False) -> None:
        super().__init__()
        self.slot_service = slots
        self.lose_first_release_answer = lose_first_release_answer
        self.release_attempts: list[ReleasedSlot] = []

    def activities(self) -> list[Callable[..., Awaitable[Any]]]:
        @activity.defn(name=names.RESERVE_MANUFACTURING_SLOT)
        async def reserve_manufacturing_slot(inp: ReserveSlotInput) -> SlotReservation:
            self.calls.append((names.RESERVE_MANUFACTURING_SLOT, inp.participant_id))
            try:
                return await self.slot_service.reserve_slot(inp)
            except NoCapacityError as err:
                raise ApplicationError(str(err), type=names.NO_CAPACITY, non_retryable=True) from err

        @activity.defn(name=names.RELEASE_MANUFACTURING_SLOT)
        async def release_manufacturing_slot(inp: ReleaseSlotInput) -> ReleasedSlot:
            self.calls.append((names.RELEASE_MANUFACTURING_SLOT, inp.reason))
            answer = await self.slot_service.release_slot(inp)
            self.release_attempts.append(answer)
            if self.lose_first_release_answer and len(self.release_attempts) == 1:
                raise ConnectionResetError("answer lost on the way back")
            return answer

        real = (names.RESERVE_MANUFACTURING_SLOT, names.RELEASE_MANUFACTURING_SLOT)
        mocked = [a for a in super().activities() if activity_definition_name(a) not in real]
        return [*mocked, reserve_manufacturing_slot, release_manufacturing_slot]


async def hold_every_week(slots: PostgresManufacturingSlots, first: date, ahead: timedelta, prefix: str) -> int:
    """Other participants (`<prefix>00`, `<prefix>01`, ...) take every slot from `first` to `ahead` later;
    holder k has the k-th slot in week order."""
    holders = 0
    while True:
        try:
            await slots.reserve_slot(
                ReserveSlotInput(
                    idempotency_key=f"{prefix}:other:{holders}",
                    participant_id=f"{prefix}{holders:02d}",
                    earliest=first,
                    latest=first + ahead,
                )
            )
        except NoCapacityError:
            return holders
        holders += 1


async def _set_capacity(pool: asyncpg.Pool, per_week: int) -> None:
    async with pool.acquire() as conn:
        await conn.execute("UPDATE manufacturing_capacity SET slots_per_week = $1", per_week)


async def slot_rows(pool: asyncpg.Pool, participant_id: str) -> list[tuple[str, str | None]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT status, release_reason FROM manufacturing_slot_reservations WHERE participant_id = $1 "
            "ORDER BY reserved_at",
            participant_id,
        )
    return [(row["status"], row["release_reason"]) for row in rows]


async def test_withdrawal_frees_the_slot_once_even_when_the_release_is_retried(workflow_env, task_queue, db_pool):
    slots = PostgresManufacturingSlots(db_pool)
    services = RealSlots(slots, lose_first_release_answer=True)
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        pid = (await j.state()).participant_id
        await pass_screening(j)
        state = await j.state()
        assert state.manufacturing_slot.held is not None
        assert await slot_rows(db_pool, pid) == [("reserved", None)]
        await complete_baseline(j)
        await j.update("record_withdrawal", {"actor_id": STAFF, "withdrawn_at": (await j.now()).isoformat()})
        result = await j.handle.result()

    assert result.stage is Stage.WITHDRAWN and result.manufacturing_slot.held is None
    assert await slot_rows(db_pool, pid) == [("released", "withdrawn")]
    # The retry was answered from the first release: freed once, reported as the same release.
    assert [(a.released, a.duplicate) for a in services.release_attempts] == [(1, False), (1, True)]
    assert services.event_types().count("ManufacturingSlotReleased") == 1


async def test_manufacturing_failure_frees_the_slot_and_a_re_biopsy_reserves_anew(workflow_env, task_queue, db_pool):
    slots = PostgresManufacturingSlots(db_pool)
    services = RealSlots(slots)
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        pid = (await j.state()).participant_id
        await drive_to_manufacturing(j)
        await record_milestone(j, "biopsy_received")
        await record_milestone(j, "fibroblasts_expanded", succeeded=False, failure_code="contamination")
        assert (await j.state()).manufacturing_slot.held is None
        assert await slot_rows(db_pool, pid) == [("released", "manufacturing_failed")]
        await j.update(
            "record_supervisor_decision",
            {"actor_id": "dr.supervisor", "decision": "re_biopsy", "reason": "Consented to a second biopsy"},
        )
        state = await j.state()
        assert state.stage is Stage.BIOPSY and state.manufacturing_slot.held is not None
        await collect_biopsy(j, "SKN-0002")
    assert await slot_rows(db_pool, pid) == [("released", "manufacturing_failed"), ("reserved", None)]
    assert services.bookings[-1].kind.value == "biopsy"


async def test_with_no_free_slot_she_queues_and_is_booked_when_one_frees(workflow_env, task_queue, db_pool):
    await _set_capacity(db_pool, 1)
    slots = PostgresManufacturingSlots(db_pool)
    today = (await workflow_env.get_current_time()).date()
    # Every week of the coming months is held by someone else.
    await hold_every_week(slots, today, timedelta(days=90), "ITC-9")
    services = RealSlots(slots)
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await pass_screening(j)
        state = await j.state()
        assert state.manufacturing_slot.held is None and state.manufacturing_slot.queued_since is not None
        await complete_baseline(j)
        await j.advance(timedelta(days=3))
        state = await j.state()
        assert state.stage is Stage.BIOPSY and state.manufacturing_slot.held is None
        assert "biopsy" not in [b.kind.value for b in services.bookings]
        # Nor can a biopsy be recorded: its cells would have no run to go to.
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await collect_biopsy(j)
        assert "No manufacturing slot is free yet" in str(refused.value.cause)
        # The supervisor was told once, however often the journey looked again.
        assert services.side_effects().count(("send_notification", "supervisor:manufacturing_slot_queue")) == 1

        # Free the slot of next week's holder: the journey looks two weeks ahead from when it looks
        # again, and the weeks this test began in may be behind it by now (holder k has week k).
        now = (await workflow_env.get_current_time()).date()
        next_week = (week_of(now + timedelta(days=7)) - week_of(today)).days // 7
        freed = await slots.release_slot(
            ReleaseSlotInput(
                idempotency_key="other:release", participant_id=f"ITC-9{next_week:02d}", reason="withdrawn"
            )
        )
        assert freed.released == 1
        await j.advance(timedelta(hours=13))
        state = await j.state()
        assert state.manufacturing_slot.held is not None and state.manufacturing_slot.queued_since is None
        assert state.manufacturing_slot.waited_days is not None and state.manufacturing_slot.waited_days >= 3
        biopsy = [b for b in services.bookings if b.kind.value == "biopsy"]
        assert len(biopsy) == 1
        week = state.manufacturing_slot.held.week_start
        assert week <= biopsy[0].earliest <= biopsy[0].latest <= week + timedelta(days=6)
    assert services.event_types().count("ManufacturingSlotQueued") == 1


async def test_a_screen_failure_never_held_a_slot(workflow_env, task_queue, db_pool):
    """Slots are reserved at eligibility, so a participant who fails screening holds none and the
    site's capacity is untouched; the journey's way out would release one if it did."""
    slots = PostgresManufacturingSlots(db_pool)
    services = RealSlots(slots)
    today = (await workflow_env.get_current_time()).date()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        pid = (await j.state()).participant_id
        await record_labs(j, {**GOOD_SCREENING_LABS, "creatinine": 5.0})
        await record_eligibility(j)
        result = await j.handle.result()
    assert result.stage is Stage.SCREEN_FAILED
    assert await slot_rows(db_pool, pid) == []
    assert [w.reserved for w in await slots.weeks_ahead(today, 3)] == [0, 0, 0]


async def test_death_and_an_off_study_decision_free_the_slot_against_postgresql(workflow_env, task_queue, db_pool):
    """The compensation on the other ways out: a death in the biopsy stage, an off-study decision
    while manufacturing waits past its deadline (no failure, so the slot was still held)."""
    slots = PostgresManufacturingSlots(db_pool)
    services = RealSlots(slots)
    async with worker_for(workflow_env.client, task_queue, services):
        died = await start_journey(workflow_env, task_queue, services)
        died_id = (await died.state()).participant_id
        await pass_screening(died)
        await complete_baseline(died)
        await died.update(
            "record_death", {"actor_id": STAFF, "died_at": (await died.now()).isoformat(), "attribution": "unrelated"}
        )
        await died.handle.result()

        stopped = await start_journey(workflow_env, task_queue, services)
        stopped_id = (await stopped.state()).participant_id
        await drive_to_manufacturing(stopped)
        await stopped.advance(timedelta(days=125))
        assert (await stopped.state()).awaiting_supervisor_decision
        assert await slot_rows(db_pool, stopped_id) == [("reserved", None)]
        await stopped.update(
            "record_supervisor_decision",
            {"actor_id": "dr.supervisor", "decision": "off_study", "reason": "Manufacturing abandoned"},
        )
        await stopped.handle.result()
    assert await slot_rows(db_pool, died_id) == [("released", "deceased")]
    assert await slot_rows(db_pool, stopped_id) == [("released", "off_study")]
