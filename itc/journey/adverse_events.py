"""Adverse events: grade (ASTCT for CRS and ICANS), record or update, then the DLT and SAE consequences."""

from __future__ import annotations

from datetime import datetime

from itc.journey import dlt, sae_clocks
from itc.journey.amendments import SUSAR_UPGRADE_CLOCK
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import ActionOutcome
from itc.models.enums import AeCategory, EventType
from itc.models.inputs import RecordAdverseEventInput
from itc.models.state import AdverseEventRecord, JourneyState, SeriousnessChange
from itc.rules import ctcae


def grade(inp: RecordAdverseEventInput) -> int:
    if inp.category is AeCategory.CRS:
        c = inp.crs
        assert c is not None
        return ctcae.grade_crs(
            c.temperature_c,
            c.hypotension,
            c.vasopressors,
            c.oxygen_l_per_min,
            c.oxygen_by_facemask,
            c.positive_pressure_ventilation,
        )
    if inp.category is AeCategory.ICANS:
        i = inp.icans
        assert i is not None
        return ctcae.grade_icans(i.ice_score, i.unarousable, i.seizure_over_5_minutes)
    assert inp.grade is not None
    return inp.grade


def record(state: JourneyState, at: Moment, inp: RecordAdverseEventInput) -> ActionOutcome:
    journal = Journal(state, at)
    graded = grade(inp)
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
        )
        state.adverse_events.append(ae)
    else:
        ae.term, ae.grade, ae.attribution, ae.resolved_at = inp.term, graded, inp.attribution, inp.resolved_at
        ae.serious, ae.unexpected = ae.serious or inp.serious, ae.unexpected or inp.unexpected
    _note_seriousness(ae, inp.seriousness_known_at or journal.now)
    seq = journal.emit(
        EventType.ADVERSE_EVENT_RECORDED,
        {
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
        },
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
        known_at=known_at, serious=ae.serious, fatal_or_life_threatening=sae_clocks.fatal_or_life_threatening(ae.grade)
    )
    last = ae.seriousness_changes[-1] if ae.seriousness_changes else None
    if last is None or (last.serious, last.fatal_or_life_threatening) != (now.serious, now.fatal_or_life_threatening):
        ae.seriousness_changes.append(now)
