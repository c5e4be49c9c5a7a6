"""Infusions: plan each one, prepare it when its check window opens, hold it for toxicity, record it.

After the last infusion (or when infusions stop) the DLT window and the response
assessment are set from the last infusion given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from itc.journey.commands import BookAppointment
from itc.journey.facts import hold_reason, pending_infusion
from itc.journey.journal import Journal, booking
from itc.journey.moment import Moment
from itc.journey.outcome import ActionOutcome, Outcome
from itc.models.enums import AppointmentKind, EventType, Recipient, Stage
from itc.models.inputs import RecordInfusionAdministeredInput
from itc.models.state import InfusionRecord, JourneyState, ToxicityCheck
from itc.rules import dlt
from itc.rules.lab_catalogue import PRE_INFUSION_LABS


def plan(state: JourneyState, target: datetime) -> InfusionRecord:
    window = timedelta(days=state.protocol.infusions.window_days)
    planned = InfusionRecord(
        number=len(state.infusions) + 1, target_at=target, window_start=target - window, window_end=target + window
    )
    state.infusions.append(planned)
    return planned


def stopped(state: JourneyState) -> bool:
    """No further infusion: a DLT, or infusions discontinued."""
    return state.dlt or state.infusions_discontinued


def next_infusion(state: JourneyState) -> InfusionRecord | None:
    """The infusion to give next, planned on the schedule if need be; None once all were planned and given."""
    pending = pending_infusion(state)
    if pending is not None:
        return pending
    if len(state.infusions) >= state.protocol.dosing.infusion_count:
        return None
    assert state.first_infusion_at is not None
    schedule = state.protocol.infusions.schedule_days
    given = len(state.infusions)
    target = state.first_infusion_at + timedelta(days=schedule[given])
    previous = state.infusions[-1] if state.infusions else None
    if previous is not None and previous.replanned_from is not None:
        # The one before was moved later for a re-made bag: keep the schedule's interval after it,
        # or this infusion would fall before it (and be refused as given out of order).
        target = max(target, previous.target_at + timedelta(days=schedule[given] - schedule[given - 1]))
    return plan(state, target)


def check_opens(state: JourneyState, infusion: InfusionRecord) -> datetime:
    """Book and order labs once the pre-infusion check window opens, not weeks ahead,
    so a DLT or withdrawal in between leaves nothing to cancel."""
    return infusion.window_start - timedelta(hours=state.protocol.infusions.pre_infusion_check_hours)


def prepare(state: JourneyState, at: Moment, infusion: InfusionRecord) -> Outcome:
    """The infusion is due: order the pre-infusion labs and book the chair in its window."""
    journal = Journal(state, at)
    infusion.prepared = True
    cause = journal.emit(
        EventType.INFUSION_DUE,
        {
            "infusion_number": infusion.number,
            "target_at": infusion.target_at.isoformat(),
            "window_start": infusion.window_start.isoformat(),
            "window_end": infusion.window_end.isoformat(),
        },
        summary=f"Infusion {infusion.number} due {infusion.target_at.date()}",
    )
    journal.order_labs(PRE_INFUSION_LABS, f"pre_infusion_{infusion.number}", infusion.target_at, cause=cause)
    journal.book(
        AppointmentKind.INFUSION,
        infusion.window_start.date(),
        infusion.window_end.date(),
        preferred=infusion.target_at.date(),
        cause=cause,
    )
    return journal.outcome()


@dataclass
class HoldReview:
    """What one look at a pending infusion found."""

    outcome: Outcome
    # After a hold is released the chair booked for the old window is stale: book this one
    # (an amendment the shell applies only to journeys that started after it).
    rebooking: BookAppointment | None = None
    discontinued: bool = False
    held: bool = False
    wake_at: datetime | None = field(default=None)


def review_hold(state: JourneyState, at: Moment, infusion: InfusionRecord) -> HoldReview:
    """Hold the infusion while a toxicity is unresolved, release it when resolved, stop it past the limit."""
    journal = Journal(state, at)
    cfg = state.protocol.infusions
    now = at.now
    rebooking = None
    reason = hold_reason(state) if now >= infusion.window_start else None
    if reason and infusion.held_since is None:
        infusion.held_since, infusion.hold_reason = now, reason
        cause = journal.emit(
            EventType.INFUSION_HELD,
            {"infusion_number": infusion.number, "reason": reason},
            summary=f"Infusion {infusion.number} held: {reason}",
        )
        journal.notify(
            Recipient.SUPERVISOR,
            "infusion_held",
            f"Infusion {infusion.number} held",
            f"Infusion {infusion.number} is on hold: {reason}",
            cause=cause,
        )
    elif not reason and infusion.held_since is not None:
        held_days = (now - infusion.held_since).days
        infusion.held_since, infusion.hold_reason = None, None
        infusion.target_at, infusion.window_start = now, now
        infusion.window_end = now + timedelta(days=cfg.window_days)
        released = journal.emit(
            EventType.INFUSION_HOLD_RELEASED,
            {"infusion_number": infusion.number, "held_days": held_days, "window_end": infusion.window_end.isoformat()},
            summary=f"Infusion {infusion.number} hold released",
        )
        rebooking = booking(
            state,
            at,
            AppointmentKind.INFUSION,
            infusion.window_start.date(),
            infusion.window_end.date(),
            preferred=infusion.target_at.date(),
            cause=released,
        )
    if infusion.held_since is not None and now >= infusion.held_since + timedelta(days=cfg.max_hold_days):
        _discontinue(journal, f"infusion {infusion.number} held longer than {cfg.max_hold_days} days")
        return HoldReview(journal.outcome(), rebooking, discontinued=True)
    if infusion.held_since is None and not infusion.window_escalated and now > infusion.window_end:
        infusion.window_escalated = True
        journal.deviation(f"Infusion {infusion.number} not given within its window ending {infusion.window_end.date()}")
        journal.escalate(
            Recipient.SUPERVISOR, "infusion_window_missed", f"Infusion {infusion.number} missed its window"
        )
    timers = [infusion.window_start if now < infusion.window_start else None]
    if infusion.held_since is not None:
        timers.append(infusion.held_since + timedelta(days=cfg.max_hold_days))
    elif not infusion.window_escalated:
        timers.append(infusion.window_end + timedelta(seconds=1))
    wake_at = min((t for t in timers if t is not None), default=None)
    return HoldReview(journal.outcome(), rebooking, held=infusion.held_since is not None, wake_at=wake_at)


def hold_changed(state: JourneyState, infusion: InfusionRecord, held: bool, now: datetime) -> bool:
    """Given, skipped or stopped (a DLT, or a supervisor after a discarded bag), moved to another
    window, or a hold that should start or end: look at the infusion again."""
    if infusion.administered_at is not None or infusion.skipped or stopped(state) or not infusion.prepared:
        return True
    return now >= infusion.window_start and (hold_reason(state) is not None) != held


def finish(state: JourneyState, at: Moment) -> Outcome:
    """Infusions are over: off study if none was given, otherwise on to the response assessment."""
    journal = Journal(state, at)
    given = [i.administered_at for i in state.infusions if i.administered_at is not None]
    skipped = sum(1 for i in state.infusions if i.skipped)
    if len(given) + skipped < state.protocol.dosing.infusion_count and not state.infusions_discontinued:
        _discontinue(journal, "dose-limiting toxicity" if state.dlt else "stopped")
    if not given:
        journal.end(Stage.OFF_STUDY, f"no infusion given ({state.discontinuation_reason})")
        return journal.outcome()
    last = given[-1]
    state.dlt_window_ends_at = dlt.dlt_window_end(last, state.protocol.dlt)
    state.response_due_at = last + timedelta(weeks=state.protocol.response.weeks_after_last_infusion)
    journal.enter(Stage.RESPONSE_ASSESSMENT)
    return journal.outcome()


def record_administered(state: JourneyState, at: Moment, inp: RecordInfusionAdministeredInput) -> ActionOutcome:
    """Record the infusion, flag a window or dose deviation, and schedule its toxicity checks."""
    journal = Journal(state, at)
    infusion = pending_infusion(state)
    plan_ = state.dose_plan
    assert infusion is not None and plan_ is not None
    infusion.administered_at, infusion.cells_administered = inp.administered_at, inp.cells_administered
    in_window = infusion.window_start <= inp.administered_at <= infusion.window_end
    dose_in_range = plan_.min_cells_per_infusion <= inp.cells_administered <= plan_.max_cells_per_infusion
    seq = journal.emit(
        EventType.INFUSION_ADMINISTERED,
        {
            "infusion_number": inp.infusion_number,
            "cells_administered": inp.cells_administered,
            "product_sample_id": inp.product_sample_id,
            "in_window": in_window,
            "dose_in_range": dose_in_range,
        },
        action=inp,
        occurred_at=inp.administered_at,
        summary=f"Infusion {inp.infusion_number} given",
    )
    if not in_window:
        journal.deviation(
            f"Infusion {inp.infusion_number} given outside its window ({infusion.window_start.date()} to {infusion.window_end.date()})"
        )
    if not dose_in_range:
        journal.deviation(
            f"Infusion {inp.infusion_number} dose {inp.cells_administered:.3g} cells outside the planned range {plan_.min_cells_per_infusion:.3g}-{plan_.max_cells_per_infusion:.3g}"
        )
    cfg = state.protocol.infusions
    for day in cfg.toxicity_check_days:
        due = inp.administered_at + timedelta(days=day)
        state.toxicity_checks.append(
            ToxicityCheck(
                infusion_number=inp.infusion_number,
                day=day,
                due_at=due,
                window_end=due + timedelta(days=cfg.toxicity_check_window_days),
            )
        )
    return journal.accepted(inp, seq, f"Infusion {inp.infusion_number} recorded")


def discontinue(journal: Journal, reason: str) -> None:
    """No further infusions; the response assessment follows from those given, if any."""
    _discontinue(journal, reason)


def _discontinue(journal: Journal, reason: str) -> None:
    state = journal.state
    state.infusions_discontinued, state.discontinuation_reason = True, reason
    cause = journal.emit(
        EventType.INFUSIONS_DISCONTINUED,
        {"reason": reason, "infusions_given": state.infusions_given},
        summary=f"Infusions discontinued: {reason}",
    )
    journal.notify(
        Recipient.SUPERVISOR,
        "infusions_discontinued",
        "Infusions discontinued",
        f"Further infusions stopped: {reason}.",
        cause=cause,
        urgent=True,
    )
