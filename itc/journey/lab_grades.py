"""Grading a lab result for this participant: against her screening baseline where CTCAE v5 says so.

The baseline is the participant's own latest screening result for each lab with a
baseline clause (ALT, AST, creatinine): the value she was admitted on. It is
abnormal when it was above the upper limit of normal the lab reported with it (or
the protocol's default). A result collected at or before the baseline is graded by
the ULN clauses alone, so the baseline does not grade itself to 0.
"""

from __future__ import annotations

from itc.models.enums import Stage
from itc.models.inputs import LabObservation
from itc.models.state import JourneyState
from itc.rules import ctcae
from itc.rules.graded import Graded
from itc.rules.lab_catalogue import LabCode


def keep_baseline(state: JourneyState, result: LabObservation, correction: bool) -> None:
    """Remember a screening result as the baseline, or a correction of the baseline itself."""
    if result.code not in ctcae.BASELINE_GRADED_LABS or result.value is None:
        return
    current = state.lab_baselines.get(result.code.value)
    corrects_it = correction and current is not None and result.collected_at == current.collected_at
    screening = state.stage is Stage.SCREENING and (current is None or result.collected_at >= current.collected_at)
    if screening or corrects_it:
        state.lab_baselines[result.code.value] = result


def baseline_for(state: JourneyState, result: LabObservation) -> ctcae.LabBaseline | None:
    recorded = state.lab_baselines.get(result.code.value)
    if recorded is None or recorded.value is None or recorded.value <= 0:
        return None
    if result.collected_at <= recorded.collected_at:
        return None
    uln = recorded.upper_limit_normal or ctcae.default_uln(result.code, state.protocol.reference_ranges)
    return ctcae.LabBaseline(recorded.value, abnormal=recorded.value > uln)


def grade(state: JourneyState, result: LabObservation) -> Graded:
    """The result's CTCAE grade with its clause; journeys before the patch grade by ULN/LLN alone."""
    assert result.value is not None
    ranges = state.protocol.reference_ranges
    if not state.full_toxicity_grading:
        grade = ctcae.grade_lab(result.code, result.value, ranges, result.upper_limit_normal, result.lower_limit_normal)
        return Graded(grade, "ULN/LLN clauses")
    return ctcae.grade_lab_result(
        result.code,
        result.value,
        ranges,
        upper_limit_normal=result.upper_limit_normal,
        lower_limit_normal=result.lower_limit_normal,
        baseline=baseline_for(state, result),
    )


def latest_grade(state: JourneyState, code: LabCode) -> int:
    result = state.labs.get(code.value)
    if result is None or result.value is None:
        return 0
    return grade(state, result).grade
