"""Manufacturing slots, the journey's side of a saga: reserve at eligibility, compensate on every way out.

A slot is reserved when the participant becomes eligible; the biopsy is booked only within the
week of the slot she holds. When no slot is free she queues (the supervisor is told once) and
the journey looks again at intervals until one frees. The slot is released when the run it was
kept for will not happen: a manufacturing failure, or the journey ending (screen failure,
withdrawal, death, off study) before the product was released. A released product's slot
was used, so it stays held.

Baseline can take longer than planned: when the biopsy comes to be booked after the held slot's
week has ended, the slot is moved to a week the biopsy can still make (the new one taken and the
old one freed together, by the scheduling service) and the supervisor is told; with no week free,
the passed slot is freed and she queues.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import Outcome
from itc.models.enums import EventType, Recipient
from itc.models.slots import HeldSlot, ReleasedSlot, ReleaseSlotInput, ReserveSlotInput, SlotReservation
from itc.models.state import JourneyState

# How often a queued participant's journey asks again. Not a clinical number: it bounds how long a
# freed slot stays unclaimed, at the cost of one activity per look.
LOOK_AGAIN_EVERY = timedelta(hours=12)
WEEK = timedelta(days=7)
# The release reason of a slot whose week ended while baseline was still running.
WEEK_PASSED = "slot_week_passed"


def needs_slot(state: JourneyState) -> bool:
    slot = state.manufacturing_slot
    return slot.adopted and slot.held is None


def reservation(state: JourneyState, at: Moment) -> ReserveSlotInput:
    """Ask for a slot in a week the biopsy could be collected: from today to the protocol's booking window."""
    slot = state.manufacturing_slot
    slot.requests += 1
    today = at.now.date()
    return ReserveSlotInput(
        idempotency_key=f"{at.workflow_id}:{state.last_sequence}:slot-{slot.requests}",
        participant_id=state.participant_id,
        earliest=today,
        latest=today + timedelta(days=state.protocol.biopsy.book_within_days_of_eligibility),
    )


def reserved(state: JourneyState, at: Moment, answer: SlotReservation) -> Outcome:
    journal = Journal(state, at)
    _hold(journal, answer)
    _allow_collection_in_slot_week(state, answer.week_start)
    return journal.outcome()


def week_passed(state: JourneyState, today: date) -> bool:
    """The held slot's week ended before the biopsy could be booked: its run cannot start then."""
    held = state.manufacturing_slot.held
    return held is not None and held.week_start + timedelta(days=6) < today


def move(state: JourneyState, at: Moment) -> ReserveSlotInput:
    """Ask for a slot in the biopsy's window in place of the held one, whose week has passed."""
    held = state.manufacturing_slot.held
    assert held is not None
    return reservation(state, at).model_copy(update={"moving_from": held.reservation_id})


def moved(state: JourneyState, at: Moment, answer: SlotReservation) -> Outcome:
    """The new week is held and the passed one freed; the supervisor learns the site's plan changed.

    The biopsy's collect-by day stays: a baseline that ran late is the journey's delay, not the
    site's, and a biopsy after it is still the protocol deviation it was."""
    journal = Journal(state, at)
    passed = _let_go(journal, WEEK_PASSED, 1, "baseline ran past its week", moved_to=answer.reservation_id)
    _hold(journal, answer)
    journal.escalate(
        Recipient.SUPERVISOR,
        "manufacturing_slot_moved",
        f"Baseline ran past the manufacturing slot's week of {passed.week_start}: the slot was moved "
        f"to the week of {answer.week_start}",
    )
    return journal.outcome()


def _hold(journal: Journal, answer: SlotReservation) -> None:
    state, at = journal.state, journal.at
    slot = state.manufacturing_slot
    slot.held = HeldSlot(
        reservation_id=answer.reservation_id,
        week_start=answer.week_start,
        slot_number=answer.slot_number,
        reserved_at=at.now,
    )
    if slot.queued_since is not None:
        slot.waited_days = (at.now - slot.queued_since).days
    slot.queued_since = None
    journal.emit(
        EventType.MANUFACTURING_SLOT_RESERVED,
        {
            "reservation_id": answer.reservation_id,
            "week_start": answer.week_start.isoformat(),
            "slot_number": answer.slot_number,
            "waited_days": slot.waited_days,
        },
        summary=f"Manufacturing slot reserved in the week of {answer.week_start}",
    )


def no_slot_free(state: JourneyState, at: Moment) -> Outcome:
    """No week in the window has room: she joins the queue; the supervisor is told the first time."""
    journal = Journal(state, at)
    slot = state.manufacturing_slot
    if slot.queued_since is not None:
        return journal.outcome()
    slot.queued_since = at.now
    journal.emit(EventType.MANUFACTURING_SLOT_QUEUED, {"since": at.now.isoformat()}, summary="Queued for a slot")
    journal.escalate(
        Recipient.SUPERVISOR,
        "manufacturing_slot_queue",
        "No manufacturing slot is free in the biopsy window: the participant waits in the queue "
        "and is booked when one frees",
    )
    return journal.outcome()


def collection_blocked(state: JourneyState) -> str | None:
    """Why a biopsy cannot be collected yet: no manufacturing slot would take its cells."""
    if needs_slot(state):
        return "No manufacturing slot is free yet: the biopsy waits for one (the participant is in the queue)"
    return None


def next_look(now: datetime) -> datetime:
    return now + LOOK_AGAIN_EVERY


def biopsy_window(state: JourneyState, today: date, collect_by: date) -> tuple[date, date] | None:
    """The days the biopsy may be booked on: within the held slot's week; None without a slot."""
    held = state.manufacturing_slot.held
    if held is None:
        return None
    week_end = held.week_start + timedelta(days=6)
    earliest = max(today, held.week_start)
    return earliest, max(earliest, min(collect_by, week_end))


def release_due(state: JourneyState) -> bool:
    """A slot is held for a run that will not happen: the attempt failed, or the journey is ending."""
    return state.manufacturing_slot.held is not None and state.released_at is None


def run_failed_with_slot(state: JourneyState) -> bool:
    """Manufacturing failed (or its specimen was discarded): a re-biopsy, if decided, reserves anew."""
    return release_due(state) and bool(state.biopsies) and state.biopsies[-1].failed


def release(state: JourneyState, at: Moment, reason: str) -> ReleaseSlotInput:
    return ReleaseSlotInput(
        idempotency_key=f"{at.workflow_id}:{state.last_sequence}:release-slot",
        participant_id=state.participant_id,
        reason=reason,
    )


def released(state: JourneyState, at: Moment, answer: ReleasedSlot, reason: str) -> Outcome:
    journal = Journal(state, at)
    _let_go(journal, reason, answer.released, reason)
    return journal.outcome()


def _let_go(journal: Journal, reason: str, released: int, why: str, **detail: str) -> HeldSlot:
    """The journey no longer holds its slot: record which one was freed and why."""
    slot = journal.state.manufacturing_slot
    held = slot.held
    assert held is not None
    slot.held = None
    journal.emit(
        EventType.MANUFACTURING_SLOT_RELEASED,
        {
            "reservation_id": held.reservation_id,
            "week_start": held.week_start.isoformat(),
            "reason": reason,
            "released": released,
            **detail,
        },
        summary=f"Manufacturing slot in the week of {held.week_start} released: {why}",
    )
    return held


def _allow_collection_in_slot_week(state: JourneyState, week_start: date) -> None:
    """A queue that outlasted the biopsy window moves the collect-by day to the end of the slot's week:
    the wait was the site's, not the participant's."""
    if not state.biopsies:
        return
    attempt = state.biopsies[-1]
    if attempt.collected_at is not None:
        return
    week_end = week_start + timedelta(days=6)
    if attempt.collect_by.date() < week_end:
        attempt.collect_by = attempt.collect_by + timedelta(days=(week_end - attempt.collect_by.date()).days)
