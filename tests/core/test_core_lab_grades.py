"""The participant's baseline for CTCAE v5's baseline clauses, and which grading a journey uses."""

from __future__ import annotations

from datetime import timedelta

from itc.journey import lab_grades, labs
from itc.models.enums import Stage
from itc.models.inputs import RecordLabResultsInput
from itc.rules.lab_catalogue import LabCode

from .journey_builders import STAFF, T0, at, in_stage, lab, new_state

DAY = timedelta(days=1)


def record(state, *results, corrects=None):
    inp = RecordLabResultsInput(
        actor_id=STAFF,
        results=list(results),
        corrects_sequence=corrects,
        reason="typed the wrong value" if corrects else None,
    )
    return labs.record(state, at(max(r.collected_at for r in results)), inp)


def screened(alt: float, **extra):
    state = new_state()
    state.full_toxicity_grading = True
    record(state, lab(LabCode.ALT, alt, T0, **extra))
    in_stage(state, Stage.INFUSION, entered_at=T0 + 30 * DAY, sequence=state.last_sequence + 1)
    return state


def test_ctcae_v5_baseline_is_the_screening_result_and_is_graded_by_uln_itself():
    """CTCAE v5.0 ALT increased: the baseline result itself is graded by ULN (2.5 x ULN is G1)."""
    state = screened(100.0)
    assert state.lab_baselines["alt"].value == 100.0
    assert lab_grades.grade(state, state.lab_baselines["alt"]).label == "G1: 2.5 × ULN"


def test_ctcae_v5_later_results_grade_against_an_abnormal_baseline_and_do_not_move_it():
    """CTCAE v5.0 ALT increased, "if baseline was abnormal": later results grade against it."""
    state = screened(100.0)
    outcome = record(state, lab(LabCode.ALT, 120.4, T0 + 40 * DAY))
    [event] = [e for e in outcome.events if e.type.value == "LabResultsRecorded"]
    assert event.payload["ctcae_grades"]["alt"] == 0
    assert event.payload["ctcae_clauses"]["alt"].startswith("G0: 1.2 × baseline")
    assert state.lab_baselines["alt"].value == 100.0
    assert lab_grades.latest_grade(state, LabCode.ALT) == 0


def test_ctcae_v5_baseline_abnormal_by_its_own_labs_uln():
    """A baseline is abnormal against the ULN its laboratory reported with it: 100 U/L with ULN 120 is
    normal, so 380 U/L is graded x ULN (G3), not 3.8 x baseline (G2)."""
    state = screened(100.0, upper_limit_normal=120.0)
    assert lab_grades.grade(state, lab(LabCode.ALT, 380.0, T0 + 40 * DAY)).label == "G3: 9.5 × ULN"


def test_a_correction_of_the_screening_result_replaces_the_baseline():
    state = screened(100.0)
    record(state, lab(LabCode.ALT, 60.0, T0), corrects=1)
    assert state.lab_baselines["alt"].value == 60.0


def test_journeys_before_full_grading_grade_by_uln_alone():
    """The earlier reading, kept for journeys started before the patch: 3.01 x ULN is G2."""
    state = screened(100.0)
    state.full_toxicity_grading = False
    outcome = record(state, lab(LabCode.ALT, 120.4, T0 + 40 * DAY))
    [event] = [e for e in outcome.events if e.type.value == "LabResultsRecorded"]
    assert event.payload["ctcae_grades"]["alt"] == 2 and "ctcae_clauses" not in event.payload
