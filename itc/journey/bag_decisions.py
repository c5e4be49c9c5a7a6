"""A bag quality discarded: the supervisor decides what replaces its infusion.

Under the bag-discard-decision amendment a discard opens a decision instead of a notice alone.
The choices: re-make the bag from the banked iPSC line (where the protocol allows it; the
replacement is labelled at once with its own unit number, and its infusion moves to when it
can be ready), go on without that infusion (the next infusion, not the first: the first starts
the schedule, the DLT window and PFS), stop infusions (the response assessment follows from
those given), or take the participant off study. A re-biopsy is not among them: the iPSC line is banked after its QC, so
starting again from a new skin sample would only add the months the line took to make.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itc.journey import infusion
from itc.journey.custody import find_unit, label_bag
from itc.journey.facts import pending_infusion
from itc.journey.journal import Journal
from itc.journey.refusals import NOT_ALLOWED_NOW, refuse
from itc.models.custody import ProductUnit
from itc.models.enums import DecisionKind, EventType
from itc.models.state import JourneyState
from itc.rules import custody as custody_rules
from itc.rules.chain_of_identity import UnitKind

BAG_DECISIONS = frozenset({DecisionKind.REMANUFACTURE_BAG, DecisionKind.SKIP_INFUSION, DecisionKind.STOP_INFUSIONS})
# The unit ID holds one digit for the unit number.
LAST_UNIT_NUMBER = 9


def validate(state: JourneyState, decision: DecisionKind) -> None:
    """Refuse a bag decision with no discarded bag waiting, or a re-made bag the protocol does not allow."""
    if not state.bags_awaiting_decision:
        raise refuse(NOT_ALLOWED_NOW, f"{decision.value} is only possible after quality discarded a bag.")
    if decision is DecisionKind.REMANUFACTURE_BAG:
        if not custody_rules.may_remanufacture_bag(state.protocol.custody, state.bags_remanufactured):
            allowed = state.protocol.custody.max_bag_remanufactures
            raise refuse(
                NOT_ALLOWED_NOW,
                f"The protocol allows {allowed} re-made bag(s) and {state.bags_remanufactured} were made; "
                "choose stop_infusions or off_study.",
            )
        if _next_unit_number(state) > LAST_UNIT_NUMBER:
            raise refuse(NOT_ALLOWED_NOW, "No unit number is left for another bag; choose stop_infusions or off_study.")
    if decision is DecisionKind.SKIP_INFUSION:
        bag = find_unit(state, state.bags_awaiting_decision[0])
        pending = pending_infusion(state)
        assert bag is not None
        if pending is None or pending.number != bag.infusion_number or pending.number == 1:
            # The first infusion starts the schedule, the DLT window and PFS; a later one planned
            # but not yet due keeps its bag's replacement open instead.
            raise refuse(
                NOT_ALLOWED_NOW,
                f"skip_infusion goes on without the next infusion when it is not the first; bag {bag.unit_id} "
                f"is for infusion {bag.infusion_number}. Choose remanufacture_bag, stop_infusions or off_study.",
            )


def decide(journal: Journal, decision: DecisionKind, reason: str) -> None:
    """Act on the decision for the discarded bag the supervisor was asked about first."""
    state = journal.state
    discarded = find_unit(state, state.bags_awaiting_decision.pop(0))
    assert discarded is not None
    if decision is DecisionKind.REMANUFACTURE_BAG:
        _remanufacture(journal, discarded)
    elif decision is DecisionKind.SKIP_INFUSION:
        _skip(journal, discarded)
    else:
        state.bags_awaiting_decision.clear()
        infusion.discontinue(journal, f"bag {discarded.unit_id} discarded: {reason}")


def _skip(journal: Journal, discarded: ProductUnit) -> None:
    """Go on without the discarded bag's infusion: the next one keeps its own schedule."""
    pending = pending_infusion(journal.state)
    assert pending is not None
    pending.skipped = True
    journal.emit(
        EventType.INFUSION_SKIPPED,
        {"infusion_number": pending.number, "unit_id": discarded.unit_id},
        summary=f"Infusion {pending.number} will not be given: bag {discarded.unit_id} was discarded",
    )


def _next_unit_number(state: JourneyState) -> int:
    return 1 + max((u.number for u in state.units if u.kind is UnitKind.BAG), default=0)


def _remanufacture(journal: Journal, discarded: ProductUnit) -> None:
    state, now = journal.state, journal.now
    assert state.chain_of_identity is not None
    ready_at = now + timedelta(days=custody_rules.remanufacture_days(state.protocol.manufacturing))
    number = _next_unit_number(state)
    state.bags_remanufactured += 1
    label_bag(
        journal,
        number,
        biopsy_attempt=discarded.biopsy_attempt,
        for_infusion=discarded.infusion_number,
        cell_count=discarded.cell_count,
        volume_ml=discarded.volume_ml,
        expires_at=custody_rules.product_expiry(state.protocol.custody, ready_at),
    )
    _move_infusion(journal, discarded.infusion_number, ready_at)


def _move_infusion(journal: Journal, number: int, ready_at: datetime) -> None:
    """The pending infusion the bag was for moves to when its replacement can be ready; its labs
    are ordered and its chair booked again when the new window opens. A later infusion keeps its
    schedule unless that would come sooner than the schedule's interval after this one (see
    `infusion.next_infusion`)."""
    pending = pending_infusion(journal.state)
    if pending is None or pending.number != number or pending.target_at >= ready_at:
        return
    window = timedelta(days=journal.state.protocol.infusions.window_days)
    previous = pending.target_at
    pending.replanned_from = pending.replanned_from or previous
    pending.target_at, pending.window_start, pending.window_end = ready_at, ready_at - window, ready_at + window
    pending.prepared, pending.window_escalated = False, False
    journal.emit(
        EventType.INFUSION_REPLANNED,
        {
            "infusion_number": number,
            "previous_target_at": previous.isoformat(),
            "target_at": ready_at.isoformat(),
            "window_start": pending.window_start.isoformat(),
            "window_end": pending.window_end.isoformat(),
        },
        summary=f"Infusion {number} moved to {ready_at.date()} for its re-made bag",
    )
