"""The journey core's side of a slot whose week ended before the biopsy (pure: no workflow, no server)."""

from __future__ import annotations

from datetime import date, timedelta

from core.journey_builders import T0, at, event_types, in_stage, new_state
from itc.journey import slots
from itc.models.enums import Stage
from itc.models.slots import SlotReservation, week_of
from itc.models.state import BiopsyAttempt, JourneyState

MONDAY = week_of(T0.date())


def holding(week: date) -> JourneyState:
    state = in_stage(new_state(), Stage.BIOPSY, sequence=9)
    state.manufacturing_slot.adopted = True
    slots.reserved(state, at(T0), SlotReservation(reservation_id="SLOT-1", week_start=week, slot_number=0))
    return state


def test_a_week_has_passed_only_after_its_sunday():
    state = holding(MONDAY)
    assert not slots.week_passed(state, MONDAY + timedelta(days=6))
    assert slots.week_passed(state, MONDAY + timedelta(days=7))
    assert not slots.week_passed(in_stage(new_state(), Stage.BIOPSY), MONDAY + timedelta(days=30))


def test_the_move_names_the_passed_slot_and_asks_from_today():
    state = holding(MONDAY)
    now = T0 + timedelta(days=15)
    request = slots.move(state, at(now))
    assert request.moving_from == "SLOT-1"
    assert request.earliest == now.date()
    assert request.latest == now.date() + timedelta(days=state.protocol.biopsy.book_within_days_of_eligibility)


def test_a_moved_slot_is_released_then_reserved_and_the_supervisor_told_but_collect_by_stays():
    state = holding(MONDAY)
    collect_by = T0 + timedelta(days=14)
    state.biopsies.append(BiopsyAttempt(attempt=1, started_at=T0, collect_by=collect_by))
    new_week = MONDAY + timedelta(days=21)
    outcome = slots.moved(
        state, at(T0 + timedelta(days=15)), SlotReservation(reservation_id="SLOT-2", week_start=new_week, slot_number=1)
    )
    assert event_types(outcome) == ["ManufacturingSlotReleased", "ManufacturingSlotReserved", "EscalationRaised"]
    released = outcome.events[0].payload
    assert (released["reservation_id"], released["reason"], released["moved_to"]) == (
        "SLOT-1",
        "slot_week_passed",
        "SLOT-2",
    )
    assert outcome.events[2].payload["kind"] == "manufacturing_slot_moved"
    held = state.manufacturing_slot.held
    assert held is not None and (held.reservation_id, held.week_start) == ("SLOT-2", new_week)
    # A late baseline is the journey's delay, not the site's: the biopsy is still due when it was.
    assert state.biopsies[-1].collect_by == collect_by
