"""Lab results: keep the latest per code (or the corrected one), grade them, and react to the grades."""

from __future__ import annotations

from itc.journey import dlt, toxicity_checks
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import ActionOutcome
from itc.models.enums import EventType
from itc.models.inputs import RecordLabResultsInput
from itc.models.state import JourneyState
from itc.rules import ctcae


def record(state: JourneyState, at: Moment, inp: RecordLabResultsInput) -> ActionOutcome:
    journal = Journal(state, at)
    grades: dict[str, int] = {}
    for result in inp.results:
        current = state.labs.get(result.code.value)
        if inp.corrects_sequence is not None or current is None or result.collected_at >= current.collected_at:
            state.labs[result.code.value] = result
        if result.code in ctcae.GRADED_LABS and result.value is not None:
            grades[result.code.value] = ctcae.grade_lab(
                result.code,
                result.value,
                state.protocol.reference_ranges,
                result.upper_limit_normal,
                result.lower_limit_normal,
            )
    seq = journal.emit(
        EventType.LAB_RESULTS_RECORDED,
        {"results": [r.model_dump(mode="json") for r in inp.results], "ctcae_grades": grades},
        action=inp,
        occurred_at=max(r.collected_at for r in inp.results),
        summary="Lab results: " + ", ".join(r.code.value for r in inp.results),
    )
    dlt.track_haematological_labs(journal, inp.results, grades)
    toxicity_checks.complete(journal, inp.results)
    return journal.accepted(inp, seq, "Lab results recorded")
