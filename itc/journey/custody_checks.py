"""Update validators of the chain-of-custody actions: refuse what is out of order or on hold.

A scan that names another participant or unit passes here on purpose: the Update's handler
records it as an incident before refusing it (a validator's refusal leaves no trace).
"""

from __future__ import annotations

from datetime import datetime

from itc.journey.custody import find_unit, read_unit
from itc.journey.refusals import INVALID_VALUE, NOT_ALLOWED_NOW, OUT_OF_ORDER, UNKNOWN_REFERENCE, refuse
from itc.journey.validators import _common, _not_future, is_retry
from itc.models.custody import (
    BAG_HANDOFFS,
    REPEATABLE_HANDOFFS,
    SPECIMEN_HANDOFFS,
    HandoffKind,
    ProductUnit,
    RecordCustodyHandoffInput,
    RecordQualityDecisionInput,
)
from itc.models.inputs import StaffAction
from itc.models.state import JourneyState
from itc.rules.chain_of_identity import IdentifierError, UnitKind


def require_custody(state: JourneyState, action: StaffAction) -> None:
    _common(state, action)
    if state.chain_of_identity is None:
        raise refuse(
            NOT_ALLOWED_NOW,
            f"The journey of {state.participant_id} began before chain-of-custody tracking; keep its custody on paper.",
        )


def own_unit(state: JourneyState, text: str) -> ProductUnit | None:
    """This participant's unit the scan names; None when it names another (an incident for the handler).
    A misread scan is refused here."""
    scanned = read_unit(text)
    if isinstance(scanned, IdentifierError):
        raise refuse(INVALID_VALUE, str(scanned))
    return find_unit(state, str(scanned)) if scanned.coi == state.chain_of_identity else None


def validate_handoff(state: JourneyState, inp: RecordCustodyHandoffInput, now: datetime) -> None:
    if is_retry(state, inp):
        return
    require_custody(state, inp)
    unit = own_unit(state, inp.unit_id)
    if unit is None or inp.participant_scan != state.participant_id:
        return
    _not_future(inp.occurred_at, now, "occurred_at")
    if inp.handoff.unit_kind is not unit.kind:
        raise refuse(
            INVALID_VALUE,
            f"{inp.handoff.value} is a handoff of a {inp.handoff.unit_kind.label.lower()}, not of {unit.unit_id}.",
        )
    if unit.discarded:
        raise refuse(NOT_ALLOWED_NOW, f"{unit.unit_id} was discarded; it has no further custody.")
    if unit.infused_at is not None:
        raise refuse(
            NOT_ALLOWED_NOW, f"{unit.unit_id} was infused on {unit.infused_at.date()}; it has no further custody."
        )
    if unit.on_hold and inp.handoff in (HandoffKind.RELEASED, HandoffKind.THAWED, HandoffKind.AT_BEDSIDE):
        raise refuse(
            NOT_ALLOWED_NOW,
            f"{unit.unit_id} is on quality hold ({unit.hold_reason}): it may not be {inp.handoff.value.replace('_', ' ')} until quality decides.",
        )
    order = SPECIMEN_HANDOFFS if unit.kind is UnitKind.SPECIMEN else BAG_HANDOFFS
    last = unit.last_handoff
    position, done = order.index(inp.handoff), (order.index(last) if last else -1)
    repeat = inp.handoff is last and inp.handoff in REPEATABLE_HANDOFFS
    if (position <= done and not repeat) or (position > done + 1 and not _skippable(order, done, position)):
        expected = order[done + 1].value if done + 1 < len(order) else "none"
        raise refuse(
            OUT_OF_ORDER,
            f"{unit.unit_id} is at {last.value if last else 'its label'}; the next handoff is {expected}, not {inp.handoff.value}.",
        )
    if unit.handoffs and inp.occurred_at < unit.handoffs[-1].occurred_at:
        raise refuse(
            INVALID_VALUE, f"occurred_at is before {unit.unit_id}'s last handoff ({unit.handoffs[-1].occurred_at})."
        )


def _skippable(order: tuple[HandoffKind, ...], done: int, position: int) -> bool:
    """Only repeatable steps (manufacturing custody, storage) may be passed over."""
    return all(kind in REPEATABLE_HANDOFFS for kind in order[done + 1 : position])


def validate_quality_decision(state: JourneyState, inp: RecordQualityDecisionInput, now: datetime) -> None:
    if is_retry(state, inp):
        return
    require_custody(state, inp)
    unit = own_unit(state, inp.unit_id)
    if unit is None:
        raise refuse(UNKNOWN_REFERENCE, f"{inp.unit_id} is not a unit of {state.participant_id}.")
    if not unit.on_hold:
        raise refuse(NOT_ALLOWED_NOW, f"{unit.unit_id} is not on quality hold; there is nothing to decide.")
