"""The manufacturing slot's week against the biopsy's date, on the time-skipping server with the real
PostgreSQL slot service: a slot is reserved at eligibility, and when baseline runs past the slot's
week the biopsy could not be collected in it. The journey moves the slot to a week the biopsy can
make (the new slot taken and the passed one freed in one service call), tells the supervisor, and
books the biopsy in the new week; retried, the move still leaves her exactly one slot; with no week
free, the passed slot is freed and she queues.

21 CFR 1271.265(b) and 1271.290(b): the specimen goes from procurement to the processing
establishment, which must be able to receive and track it; a run booked for a week that has passed
is a plan the manufacturing site cannot keep.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from journey_harness import STAFF, Journey, complete_baseline, pass_screening, start_journey, worker_for
from temporalio import activity
from test_journey_manufacturing_slots import RealSlots, hold_every_week, slot_rows

from activities import names
from itc.drivers.env_journey import activity_definition_name
from itc.journey.slots import WEEK_PASSED
from itc.models.enums import Stage
from itc.models.slots import HeldSlot, ReserveSlotInput, SlotReservation, week_of
from itc.services.postgres_slots import PostgresManufacturingSlots

# Longer than a week and short of the protocol's escalation of screening: baseline overruns.
BASELINE_OVERRUN = timedelta(days=15)


class MoveAnswerLost(RealSlots):
    """The first move reaches PostgreSQL and its answer is lost on the way back, so Temporal
    retries the activity with the same idempotency key."""

    def __init__(self, slots: PostgresManufacturingSlots) -> None:
        super().__init__(slots)
        self.move_answers: list[SlotReservation] = []

    def activities(self) -> list[Callable[..., Awaitable[Any]]]:
        reserve = next(
            a for a in super().activities() if activity_definition_name(a) == names.RESERVE_MANUFACTURING_SLOT
        )

        @activity.defn(name=names.RESERVE_MANUFACTURING_SLOT)
        async def reserve_manufacturing_slot(inp: ReserveSlotInput) -> SlotReservation:
            answer: SlotReservation = await reserve(inp)
            if inp.moving_from is not None:
                self.move_answers.append(answer)
                if len(self.move_answers) == 1:
                    raise ConnectionResetError("answer lost on the way back")
            return answer

        others = [a for a in super().activities() if activity_definition_name(a) != names.RESERVE_MANUFACTURING_SLOT]
        return [*others, reserve_manufacturing_slot]


async def overrun_baseline(j: Journey, before_baseline: Callable[[], Awaitable[object]] | None = None) -> HeldSlot:
    """Eligible, then baseline done only after the week of the slot reserved at eligibility has ended;
    returns that first slot."""
    await pass_screening(j)
    first = (await j.state()).manufacturing_slot.held
    assert first is not None
    await j.advance(BASELINE_OVERRUN)
    if before_baseline is not None:
        await before_baseline()
    await complete_baseline(j)
    await j.settle()
    return first


async def test_baseline_overrun_moves_the_slot_and_frees_the_passed_week(workflow_env, task_queue, db_pool):
    services = RealSlots(PostgresManufacturingSlots(db_pool))
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        pid = (await j.state()).participant_id
        first = await overrun_baseline(j)
        state = await j.state()
        today = (await j.now()).date()

    held = state.manufacturing_slot.held
    assert state.stage is Stage.BIOPSY and held is not None
    assert held.reservation_id != first.reservation_id
    assert first.week_start + timedelta(days=6) < today and held.week_start == week_of(today)
    # The passed week's slot is free again for the site; she holds the new one only.
    assert await slot_rows(db_pool, pid) == [("released", "moved to a later week"), ("reserved", None)]
    biopsy = [b for b in services.bookings if b.kind.value == "biopsy"]
    assert len(biopsy) == 1
    assert held.week_start <= biopsy[0].earliest <= biopsy[0].latest <= held.week_start + timedelta(days=6)
    released = [e for e in services.events if e.type.value == "ManufacturingSlotReleased"]
    assert [e.payload["reason"] for e in released] == [WEEK_PASSED]
    assert ("send_notification", "supervisor:manufacturing_slot_moved") in services.side_effects()


async def test_a_retried_move_leaves_her_one_slot(workflow_env, task_queue, db_pool):
    services = MoveAnswerLost(PostgresManufacturingSlots(db_pool))
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        pid = (await j.state()).participant_id
        await overrun_baseline(j)
        state = await j.state()

    # The retry was answered from the first move: the same new slot, reported as a repeat.
    assert [a.duplicate for a in services.move_answers] == [False, True]
    assert services.move_answers[0].reservation_id == services.move_answers[1].reservation_id
    assert state.manufacturing_slot.held is not None
    assert state.manufacturing_slot.held.reservation_id == services.move_answers[0].reservation_id
    assert await slot_rows(db_pool, pid) == [("released", "moved to a later week"), ("reserved", None)]
    assert services.event_types().count("ManufacturingSlotReserved") == 2
    assert services.event_types().count("ManufacturingSlotReleased") == 1


async def test_with_no_week_free_the_passed_slot_is_freed_and_she_queues(workflow_env, task_queue, db_pool):
    slots = PostgresManufacturingSlots(db_pool)
    services = RealSlots(slots)
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        pid = (await j.state()).participant_id

        async def fill_the_weeks_ahead() -> None:
            # Every slot of the weeks the biopsy could make is held by someone else by now.
            await hold_every_week(slots, (await j.now()).date(), timedelta(days=60), f"{pid}-other-")

        await overrun_baseline(j, fill_the_weeks_ahead)
        state = await j.state()
        await j.update("record_withdrawal", {"actor_id": STAFF, "withdrawn_at": (await j.now()).isoformat()})
        await j.handle.result()

    assert state.stage is Stage.BIOPSY
    assert state.manufacturing_slot.held is None and state.manufacturing_slot.queued_since is not None
    assert await slot_rows(db_pool, pid) == [("released", WEEK_PASSED)]
    assert "biopsy" not in [b.kind.value for b in services.bookings]
    assert services.side_effects().count(("send_notification", "supervisor:manufacturing_slot_queue")) == 1
