"""The bedside check before each infusion: two different signed-in people verify the
participant, the COI, the bag for this infusion and the time since thaw; then, and only
then, the infusion may be recorded, and each bag only once.
"""

from __future__ import annotations

from datetime import datetime

from itc.journey import infusion
from itc.journey.custody import Incident, bag_for, find_unit, incident, minutes_since_thaw, mismatch, read_unit
from itc.journey.custody_checks import own_unit, require_custody
from itc.journey.facts import pending_infusion
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import ActionOutcome
from itc.journey.refusals import NOT_ALLOWED_NOW, OUT_OF_ORDER, refuse
from itc.journey.validators import _not_future, is_retry
from itc.models.custody import BedsideCheck, ProductUnit, RecordBedsideVerificationInput
from itc.models.enums import EventType, Stage
from itc.models.inputs import RecordInfusionAdministeredInput
from itc.models.state import JourneyState
from itc.rules import custody as custody_rules
from itc.rules.chain_of_identity import IdentifierError

VERIFIERS_NEEDED = 2


def _usable(state: JourneyState, unit: ProductUnit, at: datetime, infusion_number: int) -> None:
    """Refuse a bag that is on hold, discarded, used, expired, not thawed or thawed too long ago."""
    if unit.infused_at is not None:
        raise refuse(
            NOT_ALLOWED_NOW,
            f"Bag {unit.unit_id} was already infused on {unit.infused_at.date()}: a unit is infused once. Stop, do not infuse.",
        )
    if unit.on_hold:
        raise refuse(
            NOT_ALLOWED_NOW,
            f"Bag {unit.unit_id} is on quality hold ({unit.hold_reason}): do not infuse until quality decides.",
        )
    if unit.discarded:
        raise refuse(NOT_ALLOWED_NOW, f"Bag {unit.unit_id} was discarded: do not infuse.")
    if unit.expires_at is not None and at > unit.expires_at:
        raise refuse(NOT_ALLOWED_NOW, f"Bag {unit.unit_id} expired on {unit.expires_at.date()}: do not infuse.")
    since = minutes_since_thaw(unit, at)
    if since is None:
        raise refuse(
            OUT_OF_ORDER, f"Bag {unit.unit_id} has no thaw recorded; record the thaw before infusion {infusion_number}."
        )
    limit = state.protocol.custody.max_minutes_since_thaw
    if custody_rules.thawed_too_long(state.protocol.custody, since):
        raise refuse(
            NOT_ALLOWED_NOW,
            f"Bag {unit.unit_id} was thawed {since:.0f} minutes before, more than the {limit} allowed: do not infuse; tell quality.",
        )


def validate_verification(state: JourneyState, inp: RecordBedsideVerificationInput, now: datetime) -> None:
    if is_retry(state, inp):
        return
    require_custody(state, inp)
    if state.stage is not Stage.INFUSION:
        raise refuse(OUT_OF_ORDER, f"A bedside check belongs to the infusion stage, not {state.stage.value}.")
    planned = pending_infusion(state)
    if planned is None or planned.number != inp.infusion_number:
        raise refuse(
            OUT_OF_ORDER,
            f"The next infusion is number {planned.number if planned else 'none'}, not {inp.infusion_number}.",
        )
    _not_future(inp.verified_at, now, "verified_at")
    unit = own_unit(state, inp.unit_id)
    if unit is not None and unit.infused_at is not None:
        _usable(state, unit, inp.verified_at, inp.infusion_number)
    if unit is None or unit.infusion_number != inp.infusion_number:
        return  # the handler records the wrong bag as an incident
    _usable(state, unit, inp.verified_at, inp.infusion_number)
    if inp.actor_id in unit.verifiers(inp.infusion_number):
        raise refuse(
            NOT_ALLOWED_NOW,
            f"{inp.actor_id} has already verified bag {unit.unit_id}; a second, different person must verify it.",
        )


def verification_incident(state: JourneyState, at: Moment, inp: RecordBedsideVerificationInput) -> Incident | None:
    """A wrong participant, COI or bag at the bedside: an incident, and the infusion stops."""
    scanned = read_unit(inp.unit_id)
    if isinstance(scanned, IdentifierError):
        return None
    problem = mismatch(state, scanned, inp.wristband_id)
    if problem is None and inp.date_of_birth is not None and inp.date_of_birth != state.consent.date_of_birth:
        problem = "The date of birth given at the bedside does not match this participant: stop, do not infuse"
    scanned_unit = find_unit(state, str(scanned))
    if problem is None and scanned_unit is not None and scanned_unit.infusion_number != inp.infusion_number:
        expected = bag_for(state, inp.infusion_number)
        problem = f"Bag {scanned} is not the bag for infusion {inp.infusion_number} ({expected.unit_id if expected else 'none'}): stop, do not infuse"
    return None if problem is None else incident(state, at, inp, "bedside", problem)


def record_verification(state: JourneyState, at: Moment, inp: RecordBedsideVerificationInput) -> ActionOutcome:
    journal = Journal(state, at)
    unit = find_unit(state, str(read_unit(inp.unit_id)))
    assert unit is not None
    unit.bedside_checks.append(
        BedsideCheck(infusion_number=inp.infusion_number, actor=inp.actor_id, verified_at=inp.verified_at)
    )
    verifiers = len(unit.verifiers(inp.infusion_number))
    since = minutes_since_thaw(unit, inp.verified_at)
    seq = journal.emit(
        EventType.BEDSIDE_VERIFICATION_RECORDED,
        {
            "unit_id": unit.unit_id,
            "infusion_number": inp.infusion_number,
            "identity_checked_by": "wristband" if inp.wristband_id else "date_of_birth",
            "minutes_since_thaw": round(since) if since is not None else None,
            "verifiers": verifiers,
        },
        action=inp,
        occurred_at=inp.verified_at,
        summary=f"Bedside check {verifiers} of {VERIFIERS_NEEDED} for infusion {inp.infusion_number} ({unit.unit_id})",
    )
    ready = "the infusion may be recorded" if verifiers >= VERIFIERS_NEEDED else "a second person must verify"
    return journal.accepted(inp, seq, f"Bedside check recorded for {unit.unit_id}; {ready}")


def validate_infusion(state: JourneyState, inp: RecordInfusionAdministeredInput, now: datetime) -> None:
    """Under chain of custody, an infusion needs its bag verified at the bedside by two different people."""
    if is_retry(state, inp) or state.chain_of_identity is None:
        return
    unit = bag_for(state, inp.infusion_number)
    if unit is None:
        raise refuse(
            OUT_OF_ORDER, f"No bag is labelled for infusion {inp.infusion_number}; the product must be released first."
        )
    _usable(state, unit, inp.administered_at, inp.infusion_number)
    verifiers = unit.verifiers(inp.infusion_number)
    if len(verifiers) < VERIFIERS_NEEDED:
        raise refuse(
            NOT_ALLOWED_NOW,
            f"Infusion {inp.infusion_number} needs bag {unit.unit_id} verified at the bedside by {VERIFIERS_NEEDED} different people; "
            f"{len(verifiers)} did so far.",
        )


def record_administered(state: JourneyState, at: Moment, inp: RecordInfusionAdministeredInput) -> ActionOutcome:
    """The infusion, and (under chain of custody) its bag marked as used."""
    unit = bag_for(state, inp.infusion_number) if state.chain_of_identity is not None else None
    recorded = infusion.record_administered(state, at, inp)
    if unit is not None:
        unit.infused_at = inp.administered_at
    return recorded
