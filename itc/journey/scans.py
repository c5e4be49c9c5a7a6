"""CT scans: RECIST 1.1 against the baseline and the nadir, then what the scan's kind means for the journey."""

from __future__ import annotations

from itc.journey import follow_up, response
from itc.journey.amendments import RECIST_OVERALL_RESPONSE
from itc.journey.facts import nadir_sum_mm
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import ActionOutcome
from itc.models.enums import EventType, ResponseCategory, ScanKind
from itc.models.inputs import RecordScanResultInput
from itc.models.state import JourneyState, ScanRecord
from itc.rules import recist
from itc.rules.recist_overall import NonTargetStatus, OverallResponse, overall_response


def record(state: JourneyState, at: Moment, inp: RecordScanResultInput) -> ActionOutcome:
    journal = Journal(state, at)
    lesions = [recist.Lesion(**lesion.model_dump()) for lesion in inp.target_lesions]
    assessment = None
    overall: OverallResponse | None = None
    if inp.kind is not ScanKind.BASELINE:
        baseline_scan = state.baseline_scan
        assert baseline_scan is not None
        baseline = [recist.Lesion(**lesion.model_dump()) for lesion in baseline_scan.target_lesions]
        if RECIST_OVERALL_RESPONSE in at.amendments:
            assessment = recist.assess_response(
                baseline,
                nadir_sum_mm(state),
                lesions,
                False,
                False,
                state.protocol.recist,
                after_complete_response=_previous_response(state) is ResponseCategory.CR,
            )
            overall = overall_response(assessment.response, _non_target(state, inp), inp.new_lesions)
        else:
            assessment = recist.assess_response(
                baseline,
                nadir_sum_mm(state),
                lesions,
                inp.new_lesions,
                inp.unequivocal_non_target_progression,
                state.protocol.recist,
            )
    found = ResponseCategory((overall or assessment).response) if assessment else None
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
            **(
                {"non_target_status": inp.non_target_status, "overall": overall.model_dump()}
                if overall is not None
                else {}
            ),
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
            non_target_status=inp.non_target_status,
            new_lesions=inp.new_lesions,
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


def _previous_response(state: JourneyState) -> ResponseCategory | None:
    """The overall response of the last assessed scan before this one (it is not yet on record)."""
    assessed = [scan.response for scan in state.scans if scan.response is not None]
    return assessed[-1] if assessed else None


def _non_target(state: JourneyState, inp: RecordScanResultInput) -> NonTargetStatus | None:
    """The non-target component: none without non-target lesions at baseline, NE when they were not read."""
    if inp.unequivocal_non_target_progression:
        return NonTargetStatus.PD
    baseline_scan = state.baseline_scan
    had_non_targets = baseline_scan is not None and baseline_scan.non_target_status is not None
    if inp.non_target_status is not None:
        return inp.non_target_status
    return NonTargetStatus.NE if had_non_targets else None
