"""Adverse events: grade (ASTCT for CRS and ICANS), record or update, then the DLT and SAE consequences."""

from __future__ import annotations

from datetime import datetime

from itc.journey import dlt, sae_clocks
from itc.journey.amendments import SUSAR_UPGRADE_CLOCK
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import ActionOutcome
from itc.models.enums import AeCategory, EventType
from itc.models.inputs import CrsFindings, IcansFindings, RecordAdverseEventInput
from itc.models.state import AdverseEventRecord, JourneyState, SeriousnessChange
from itc.rules import crs, ctcae, icans
from itc.rules.crs import OxygenDevice
from itc.rules.graded import Graded
from itc.rules.icans import Consciousness, MotorFinding, RaisedIntracranialPressure, Seizure


def grade(state: JourneyState, inp: RecordAdverseEventInput) -> Graded:
    """ASTCT for CRS and ICANS, the staff's CTCAE grade otherwise.

    Journeys started before the full-toxicity-grading patch keep the earlier CRS and
    ICANS reading, fed the same findings, so they replay and grade as they did.
    """
    if inp.category is AeCategory.CRS:
        assert inp.crs is not None
        return _crs(state, inp.crs)
    if inp.category is AeCategory.ICANS:
        assert inp.icans is not None
        return _icans(state, inp.icans)
    assert inp.grade is not None
    return Graded(inp.grade, f"CTCAE v5 {inp.term}, graded by site staff")


def _crs(state: JourneyState, c: CrsFindings) -> Graded:
    pressors, device = c.vasopressors_running(), c.oxygen_support()
    if state.full_toxicity_grading:
        return crs.grade(
            temperature_c=c.temperature_c,
            fever_masked_by=c.fever_masked_by,
            hypotension=c.hypotension_present(),
            vasopressors=pressors,
            oxygen_device=device,
            oxygen_l_per_min=c.oxygen_l_per_min,
        )
    earlier = ctcae.grade_crs(
        c.temperature_c,
        c.hypotension,
        len(pressors),
        c.oxygen_l_per_min,
        c.oxygen_by_facemask or device in _MASKS,
        c.positive_pressure_ventilation or device is OxygenDevice.POSITIVE_PRESSURE,
    )
    return Graded(earlier, "earlier CRS reading")


_MASKS = (OxygenDevice.FACEMASK, OxygenDevice.NON_REBREATHER_MASK, OxygenDevice.VENTURI_MASK)


def _icans(state: JourneyState, i: IcansFindings) -> Graded:
    level, seizure = i.level_of_consciousness(), i.seizure_finding()
    if state.full_toxicity_grading:
        return icans.grade(
            ice_score=i.ice_score,
            consciousness=level,
            seizure=seizure,
            motor=i.motor_findings or MotorFinding.NONE,
            raised_intracranial_pressure=i.raised_intracranial_pressure or RaisedIntracranialPressure.NONE,
        )
    earlier = ctcae.grade_icans(
        i.ice_score or 0,
        level is Consciousness.UNAROUSABLE,
        seizure is Seizure.PROLONGED_OVER_5_MINUTES,
    )
    return Graded(earlier, "earlier ICANS reading")


def record(state: JourneyState, at: Moment, inp: RecordAdverseEventInput) -> ActionOutcome:
    journal = Journal(state, at)
    graded_with_clause = grade(state, inp)
    graded = graded_with_clause.grade
    clause = graded_with_clause.label if state.full_toxicity_grading else None
    ae = next((a for a in state.adverse_events if a.ae_id == inp.ae_id), None) if inp.ae_id else None
    if ae is None:
        ae = AdverseEventRecord(
            ae_id=f"AE-{len(state.adverse_events) + 1}",
            term=inp.term,
            category=inp.category,
            grade=graded,
            attribution=inp.attribution,
            serious=inp.serious,
            unexpected=inp.unexpected,
            onset_at=inp.onset_at,
            resolved_at=inp.resolved_at,
            recorded_sequence=state.last_sequence + 1,
            grade_clause=clause,
        )
        state.adverse_events.append(ae)
    else:
        ae.term, ae.grade, ae.attribution, ae.resolved_at = inp.term, graded, inp.attribution, inp.resolved_at
        ae.grade_clause = clause
        ae.serious, ae.unexpected = ae.serious or inp.serious, ae.unexpected or inp.unexpected
    _note_seriousness(ae, inp.seriousness_known_at or journal.now)
    payload: dict[str, object] = {
        "ae_id": ae.ae_id,
        "term": ae.term,
        "category": ae.category.value,
        "grade": graded,
        "attribution": ae.attribution.value,
        "serious": ae.serious,
        "unexpected": ae.unexpected,
        "onset_at": ae.onset_at.isoformat(),
        "resolved_at": ae.resolved_at.isoformat() if ae.resolved_at else None,
        "update": inp.ae_id is not None,
    }
    if clause is not None:
        payload["grade_clause"] = clause
    seq = journal.emit(
        EventType.ADVERSE_EVENT_RECORDED,
        payload,
        action=inp,
        occurred_at=inp.resolved_at or inp.onset_at,
        summary=f"{ae.ae_id} {ae.term} grade {graded}" + (" (resolved)" if ae.resolved_at else ""),
    )
    dlt.check_event(journal, ae)
    if ae.serious:
        sae_clocks.start(journal, ae, upgrades=SUSAR_UPGRADE_CLOCK in at.amendments)
    return journal.accepted(inp, seq, f"{ae.ae_id} recorded, grade {graded}")


def _note_seriousness(ae: AdverseEventRecord, known_at: datetime) -> None:
    """Keep when the seriousness changed, so a clock can run from when the site first knew of it."""
    now = SeriousnessChange(
        known_at=known_at,
        serious=ae.serious,
        fatal_or_life_threatening=sae_clocks.fatal_or_life_threatening(ae.grade),
        susar=ae.unexpected and ae.attribution.at_least_possibly_related,
    )
    last = ae.seriousness_changes[-1] if ae.seriousness_changes else None
    if last is None or (last.serious, last.fatal_or_life_threatening, last.susar) != (
        now.serious,
        now.fatal_or_life_threatening,
        now.susar,
    ):
        ae.seriousness_changes.append(now)
