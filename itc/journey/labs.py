"""Lab results: keep the latest per code (or the corrected one), grade them, and react to the grades."""

from __future__ import annotations

from itc.journey import dlt, lab_grades, outcome_values, toxicity_checks
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
    clauses: dict[str, str] = {}
    for result in inp.results:
        current = state.labs.get(result.code.value)
        if inp.corrects_sequence is not None or current is None or result.collected_at >= current.collected_at:
            state.labs[result.code.value] = result
        lab_grades.keep_baseline(state, result, correction=inp.corrects_sequence is not None)
        if result.code in ctcae.GRADED_LABS and result.value is not None:
            graded = lab_grades.grade(state, result)
            grades[result.code.value] = graded.grade
            clauses[result.code.value] = graded.label
    payload: dict[str, object] = {"results": [r.model_dump(mode="json") for r in inp.results], "ctcae_grades": grades}
    if state.full_toxicity_grading:
        payload["ctcae_clauses"] = clauses
    seq = journal.emit(
        EventType.LAB_RESULTS_RECORDED,
        payload,
        action=inp,
        occurred_at=max(r.collected_at for r in inp.results),
        summary="Lab results: " + ", ".join(r.code.value for r in inp.results),
    )
    outcome_values.keep(state, seq, inp.results, inp.corrects_sequence)
    dlt.track_haematological_labs(journal, inp.results, grades)
    toxicity_checks.complete(journal, inp.results)
    return journal.accepted(inp, seq, "Lab results recorded")
