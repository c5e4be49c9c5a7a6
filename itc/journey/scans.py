"""CT scans: RECIST 1.1 against the baseline and the nadir, then what the scan's kind means for the journey."""

from __future__ import annotations

from itc.journey import follow_up, response
from itc.journey.facts import nadir_sum_mm
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import ActionOutcome
from itc.models.enums import EventType, ResponseCategory, ScanKind
from itc.models.inputs import RecordScanResultInput
from itc.models.state import JourneyState, ScanRecord
from itc.rules import recist


def record(state: JourneyState, at: Moment, inp: RecordScanResultInput) -> ActionOutcome:
    journal = Journal(state, at)
    lesions = [recist.Lesion(**lesion.model_dump()) for lesion in inp.target_lesions]
    assessment = None
    if inp.kind is not ScanKind.BASELINE:
        baseline_scan = state.baseline_scan
        assert baseline_scan is not None
        baseline = [recist.Lesion(**lesion.model_dump()) for lesion in baseline_scan.target_lesions]
        assessment = recist.assess_response(
            baseline,
            nadir_sum_mm(state),
            lesions,
            inp.new_lesions,
            inp.unequivocal_non_target_progression,
            state.protocol.recist,
        )
    found = ResponseCategory(assessment.response) if assessment else None
    sum_mm = recist.sum_of_diameters(lesions)
    seq = journal.emit(
        EventType.SCAN_RECORDED,
        {
            "kind": inp.kind.value,
            "target_lesions": [lesion.model_dump() for lesion in inp.target_lesions],
            "new_lesions": inp.new_lesions,
            "unequivocal_non_target_progression": inp.unequivocal_non_target_progression,
            "sum_mm": sum_mm,
            "recist": assessment.model_dump() if assessment else None,
        },
        action=inp,
        occurred_at=inp.scanned_at,
        summary=f"{inp.kind.value} scan: sum {sum_mm:g} mm" + (f", {found.value}" if found else ""),
    )
    state.scans.append(
        ScanRecord(
            sequence=seq,
            kind=inp.kind,
            scanned_at=inp.scanned_at,
            target_lesions=inp.target_lesions,
            sum_mm=sum_mm,
            response=found,
        )
    )
    if found is not None:
        if inp.kind is ScanKind.RESPONSE:
            response.record_response(journal, found, inp.scanned_at)
        elif inp.kind is ScanKind.CONFIRMATION:
            response.record_confirmation(journal, found, inp.scanned_at)
        elif inp.kind is ScanKind.FOLLOW_UP:
            follow_up.record_scan(journal, found, inp.scanned_at)
    return journal.accepted(inp, seq, f"Scan recorded{': ' + found.value if found else ''}")
