"""Chain of identity and custody: the participant's COI, the units that carry it, each handoff
with its scan and temperatures, quality holds and quality decisions.

A journey takes part only when it started after the chain-of-custody patch
(`state.chain_of_custody`); earlier journeys keep their paper records. Every unit is labelled
by the journey itself: the biopsy specimen when it is collected, one bag per planned infusion
when the product is released, so no unit ID is ever typed in first.

A scan naming another participant, another COI or the wrong unit is a chain-of-identity
incident: it is recorded and sent to the supervisor and quality, and the action is refused
(see `scan_incident`). A misread scan (a wrong check character) is only refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from itc.journey import biopsy
from itc.journey.amendments import BAG_DISCARD_DECISION
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import ActionOutcome, Outcome
from itc.journey.refusals import CHAIN_OF_IDENTITY_MISMATCH, Refusal
from itc.models.custody import (
    HandoffKind,
    HandoffRecord,
    ProductUnit,
    QualityDecisionKind,
    RecordCustodyHandoffInput,
    RecordQualityDecisionInput,
)
from itc.models.enums import EventType, Milestone, Recipient
from itc.models.inputs import RecordBiopsyCollectedInput, RecordManufacturingMilestoneInput, StaffAction
from itc.models.state import JourneyState
from itc.rules import custody as custody_rules
from itc.rules.chain_of_identity import IdentifierError, UnitId, UnitKind, coi_from_seed, parse_unit_id, unit_id

# Handoffs after which a bag is out of the freezer: its clock is the time since thaw, not a range.
THAWED_HANDOFFS = frozenset({HandoffKind.THAWED, HandoffKind.AT_BEDSIDE})


def assign_chain_of_identity(state: JourneyState, at: Moment) -> Outcome:
    """At enrolment: the COI every unit of this participant's cells will carry."""
    journal = Journal(state, at)
    # From what the history itself holds (not the workflow or run ID), so every replay derives the same COI;
    # the enrolment time tells a re-enrolment of the same participant apart.
    coi = coi_from_seed(f"{state.protocol.trial_id}/{state.participant_id}/{at.now.isoformat()}")
    state.chain_of_custody, state.chain_of_identity = True, coi
    journal.emit(
        EventType.CHAIN_OF_IDENTITY_ASSIGNED, {"chain_of_identity": coi}, summary=f"Chain of identity {coi} assigned"
    )
    return journal.outcome()


def find_unit(state: JourneyState, text: str) -> ProductUnit | None:
    return next((unit for unit in state.units if unit.unit_id == text), None)


def bag_for(state: JourneyState, infusion_number: int) -> ProductUnit | None:
    """The bag for `infusion_number` from the current product (a later biopsy's bags replace earlier
    ones): the one re-made after a discard, if any, else the one labelled at release."""
    attempt = state.current_biopsy.attempt if state.current_biopsy else 0
    bags = [
        u
        for u in state.units
        if u.kind is UnitKind.BAG and u.infusion_number == infusion_number and u.biopsy_attempt == attempt
    ]
    return next((u for u in reversed(bags) if not u.discarded), bags[-1] if bags else None)


def specimen_of_current_attempt(state: JourneyState) -> ProductUnit | None:
    attempt = state.current_biopsy.attempt if state.current_biopsy else 0
    return next((u for u in state.units if u.kind is UnitKind.SPECIMEN and u.number == attempt), None)


# ------------------------------------------------------------------ labelling


def label_bag(
    journal: Journal,
    number: int,
    *,
    biopsy_attempt: int,
    cell_count: float | None,
    volume_ml: float | None,
    expires_at: datetime | None,
    for_infusion: int | None = None,
) -> None:
    """Label an infusion bag: unit ID `number` under the participant's chain of identity."""
    coi = journal.state.chain_of_identity
    assert coi is not None
    label(
        journal,
        ProductUnit(
            unit_id=unit_id(coi, UnitKind.BAG, number),
            kind=UnitKind.BAG,
            number=number,
            biopsy_attempt=biopsy_attempt,
            for_infusion=for_infusion,
            cell_count=cell_count,
            volume_ml=volume_ml,
            expires_at=expires_at,
        ),
    )


def label(journal: Journal, unit: ProductUnit) -> None:
    journal.state.units.append(unit)
    journal.emit(
        EventType.UNIT_LABELLED,
        {
            "unit_id": unit.unit_id,
            "kind": unit.kind.value,
            "number": unit.number,
            "biopsy_attempt": unit.biopsy_attempt,
            **({"for_infusion": unit.for_infusion} if unit.for_infusion is not None else {}),
            "cell_count": unit.cell_count,
            "volume_ml": unit.volume_ml,
            "expires_at": unit.expires_at.isoformat() if unit.expires_at else None,
        },
        summary=f"{unit.kind.label} {unit.unit_id} labelled",
    )


def _joined(first: ActionOutcome, journal: Journal) -> ActionOutcome:
    return ActionOutcome(
        events=first.events + journal.events, commands=first.commands + journal.commands, accepted=first.accepted
    )


def record_biopsy_collected(state: JourneyState, at: Moment, inp: RecordBiopsyCollectedInput) -> ActionOutcome:
    """The biopsy, and (under chain of custody) the specimen's label."""
    recorded = biopsy.record_collected(state, at, inp)
    journal = Journal(state, at)
    attempt = state.current_biopsy
    if state.chain_of_identity is not None and attempt is not None:
        label(
            journal,
            ProductUnit(
                unit_id=unit_id(state.chain_of_identity, UnitKind.SPECIMEN, attempt.attempt),
                kind=UnitKind.SPECIMEN,
                number=attempt.attempt,
                biopsy_attempt=attempt.attempt,
            ),
        )
    return _joined(recorded, journal)


def record_milestone(state: JourneyState, at: Moment, inp: RecordManufacturingMilestoneInput) -> ActionOutcome:
    """A manufacturing milestone, and (under chain of custody) one labelled bag per planned infusion on release."""
    recorded = biopsy.record_milestone(state, at, inp)
    journal = Journal(state, at)
    released = any(event.type is EventType.PRODUCT_RELEASED for event in recorded.events)
    attempt, plan = state.current_biopsy, state.dose_plan
    if state.chain_of_identity is not None and released and attempt is not None and plan is not None:
        qc = inp.release_qc
        volume = (qc.dose_volume_ml if qc else None) or state.protocol.manufacturing.release.dose_volume_ml
        expires = custody_rules.product_expiry(state.protocol.custody, inp.occurred_at)
        for number in range(1, plan.infusion_count + 1):
            label_bag(
                journal,
                number,
                biopsy_attempt=attempt.attempt,
                cell_count=plan.cells_per_infusion,
                volume_ml=volume,
                expires_at=expires,
            )
    return _joined(recorded, journal)


def release_blocked(state: JourneyState, inp: RecordManufacturingMilestoneInput) -> str | None:
    """Why the product may not be released yet: its specimen is on quality hold."""
    specimen = specimen_of_current_attempt(state)
    if inp.milestone is Milestone.PRODUCT_RELEASE_QC and specimen is not None and specimen.on_hold:
        return (
            f"Specimen {specimen.unit_id} is on quality hold ({specimen.hold_reason}); "
            "the product cannot be released until quality decides."
        )
    return None


# ------------------------------------------------------------------ scans


@dataclass
class Incident:
    """A scan that names another participant or unit: what to record, and the refusal to give."""

    outcome: Outcome
    refusal: Refusal


def read_unit(text: str) -> UnitId | IdentifierError:
    try:
        return parse_unit_id(text)
    except IdentifierError as error:
        return error


def mismatch(state: JourneyState, scanned: UnitId, participant_scan: str | None) -> str | None:
    """What a well-formed scan gets wrong about this participant, or None."""
    what = scanned.kind.label
    if scanned.coi != state.chain_of_identity:
        return f"{what} {scanned} belongs to another participant: stop, do not hand over or infuse it"
    if participant_scan is not None and participant_scan != state.participant_id:
        return f"The paperwork with {what.lower()} {scanned} names participant {participant_scan}, not {state.participant_id}: stop, do not hand over or infuse it"
    if find_unit(state, str(scanned)) is None:
        return f"{what} {scanned} was never labelled for this participant: stop, do not hand over or infuse it"
    return None


def incident(state: JourneyState, at: Moment, action: StaffAction, context: str, problem: str) -> Incident:
    """Record the incident, tell the supervisor and quality, and refuse the action."""
    journal = Journal(state, at)
    cause = journal.emit(
        EventType.CHAIN_OF_IDENTITY_INCIDENT,
        {"context": context, "problem": problem},
        # Who scanned, but not the request ID: the corrected scan may be retried under it.
        actor=action.actor_id,
        actor_role=action.role.value if action.role else None,
        summary=f"Chain-of-identity incident at {context.replace('_', ' ')}",
    )
    for recipient in (Recipient.SUPERVISOR, Recipient.QUALITY):
        journal.notify(
            recipient,
            "chain_of_identity_incident",
            f"{state.participant_id}: chain-of-identity incident",
            problem,
            cause=cause,
            urgent=True,
        )
    return Incident(journal.outcome(), Refusal(CHAIN_OF_IDENTITY_MISMATCH, problem))


def handoff_incident(state: JourneyState, at: Moment, inp: RecordCustodyHandoffInput) -> Incident | None:
    scanned = read_unit(inp.unit_id)
    if isinstance(scanned, IdentifierError):
        return None
    problem = mismatch(state, scanned, inp.participant_scan)
    return None if problem is None else incident(state, at, inp, inp.handoff.value, problem)


# ------------------------------------------------------------------ handoffs and holds


def _excursion(state: JourneyState, unit: ProductUnit, inp: RecordCustodyHandoffInput) -> str | None:
    """Why this handoff puts the unit on quality hold, or None. A broken seal counts at every
    handoff; temperatures only before the thaw, when the bag leaves its band on purpose."""
    if inp.handoff in THAWED_HANDOFFS and inp.seal_intact is not False:
        return None
    return custody_rules.excursion_reason(
        state.protocol.custody,
        cryopreserved=unit.kind is not UnitKind.SPECIMEN,
        seal_intact=inp.seal_intact,
        min_temperature_c=inp.min_temperature_c,
        max_temperature_c=inp.max_temperature_c,
        minutes_out_of_range=inp.minutes_out_of_range,
    )


def record_handoff(state: JourneyState, at: Moment, inp: RecordCustodyHandoffInput) -> ActionOutcome:
    journal = Journal(state, at)
    unit = find_unit(state, str(parse_unit_id(inp.unit_id)))
    assert unit is not None
    excursion = _excursion(state, unit, inp)
    seq = journal.emit(
        EventType.CUSTODY_HANDOFF_RECORDED,
        {
            "unit_id": unit.unit_id,
            "handoff": inp.handoff.value,
            "location": inp.location,
            "courier": inp.courier,
            "shipper_id": inp.shipper_id,
            "logger_id": inp.logger_id,
            "seal_intact": inp.seal_intact,
            "min_temperature_c": inp.min_temperature_c,
            "max_temperature_c": inp.max_temperature_c,
            "minutes_out_of_range": inp.minutes_out_of_range,
            "excursion": excursion,
        },
        action=inp,
        occurred_at=inp.occurred_at,
        summary=f"{unit.unit_id} {inp.handoff.value.replace('_', ' ')}",
    )
    unit.handoffs.append(
        HandoffRecord(
            sequence=seq,
            handoff=inp.handoff,
            occurred_at=inp.occurred_at,
            actor=inp.actor_id,
            location=inp.location,
            min_temperature_c=inp.min_temperature_c,
            max_temperature_c=inp.max_temperature_c,
            minutes_out_of_range=inp.minutes_out_of_range,
            excursion=excursion is not None,
        )
    )
    if inp.handoff is HandoffKind.THAWED:
        unit.thawed_at = inp.occurred_at
    if excursion is not None and not unit.on_hold:
        _hold(journal, unit, excursion)
    message = f"{inp.handoff.value} recorded for {unit.unit_id}"
    if excursion is not None:
        message += f"; on quality hold: {excursion}"
    return journal.accepted(inp, seq, message)


def _hold(journal: Journal, unit: ProductUnit, reason: str) -> None:
    unit.on_hold, unit.hold_reason = True, reason
    cause = journal.emit(
        EventType.UNIT_QUALITY_HOLD,
        {"unit_id": unit.unit_id, "reason": reason},
        summary=f"{unit.unit_id} on quality hold: {reason}",
    )
    for recipient in (Recipient.QUALITY, Recipient.SUPERVISOR):
        journal.notify(
            recipient,
            "unit_quality_hold",
            f"{journal.state.participant_id}: {unit.unit_id} on quality hold",
            f"{unit.kind.label} {unit.unit_id} is on quality hold ({reason}); it may not be released or infused "
            "until quality releases it under deviation or discards it.",
            cause=cause,
            urgent=True,
        )


def record_quality_decision(state: JourneyState, at: Moment, inp: RecordQualityDecisionInput) -> ActionOutcome:
    """Release under deviation, or discard: a discarded specimen fails manufacturing; a discarded bag
    opens the supervisor's decision (before the bag-discard-decision amendment: a notice alone)."""
    journal = Journal(state, at)
    unit = find_unit(state, str(parse_unit_id(inp.unit_id)))
    assert unit is not None
    seq = journal.emit(
        EventType.QUALITY_DECISION_RECORDED,
        {"unit_id": unit.unit_id, "decision": inp.decision.value, "hold_reason": unit.hold_reason},
        action=inp,
        summary=f"Quality decision on {unit.unit_id}: {inp.decision.value.replace('_', ' ')}",
    )
    hold_reason, unit.on_hold = unit.hold_reason, False
    if inp.decision is QualityDecisionKind.RELEASE_UNDER_DEVIATION:
        unit.released_under_deviation = True
        journal.deviation(f"{unit.unit_id} released under deviation after {hold_reason}")
    else:
        unit.discarded = True
        if unit.kind is UnitKind.SPECIMEN:
            biopsy.manufacturing_failed(journal, f"specimen {unit.unit_id} discarded ({hold_reason})")
        elif BAG_DISCARD_DECISION in at.amendments:
            _ask_supervisor(journal, unit, hold_reason)
        else:
            journal.escalate(
                Recipient.SUPERVISOR,
                "bag_discarded",
                f"Bag {unit.unit_id} was discarded ({hold_reason}): infusion {unit.number} cannot be given from it",
            )
    return journal.accepted(inp, seq, f"Quality decision recorded for {unit.unit_id}")


def _ask_supervisor(journal: Journal, bag: ProductUnit, hold_reason: str | None) -> None:
    """A discarded bag: the supervisor decides what replaces its infusion (see `bag_decisions`)."""
    state = journal.state
    state.bags_awaiting_decision.append(bag.unit_id)
    choices = "remanufacture_bag (from the banked iPSC line), skip_infusion, stop_infusions or off_study"
    if not custody_rules.may_remanufacture_bag(state.protocol.custody, state.bags_remanufactured):
        choices = "skip_infusion, stop_infusions or off_study (the protocol allows no further re-made bag)"
    journal.escalate(
        Recipient.SUPERVISOR,
        "bag_discarded",
        f"Bag {bag.unit_id} was discarded ({hold_reason}): infusion {bag.infusion_number} cannot be given from it; "
        f"decide {choices}",
    )


def minutes_since_thaw(unit: ProductUnit, now: datetime) -> float | None:
    return None if unit.thawed_at is None else (now - unit.thawed_at).total_seconds() / 60
