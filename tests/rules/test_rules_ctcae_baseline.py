"""CTCAE v5.0 (System Organ Class "Investigations") clauses graded against the participant's baseline."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itc.rules.config import ReferenceRanges
from itc.rules.ctcae import LabBaseline, grade_lab_result
from itc.rules.lab_catalogue import LabCode

RANGES = ReferenceRanges()  # ALT/AST ULN 40 U/L, creatinine ULN 1.1 mg/dL
ABNORMAL_100 = LabBaseline(100.0, abnormal=True)  # 2.5 x ULN 40, the most this trial admits


@pytest.mark.parametrize("code", [LabCode.ALT, LabCode.AST])
@pytest.mark.parametrize(
    ("value", "grade"),
    [
        (100, 0),
        (149.9, 0),
        (150, 1),  # G1 starts at 1.5 x baseline, inclusive ("1.5 - 3.0 x baseline")
        (300, 1),
        (300.1, 2),  # "> 3.0 - 5.0 x baseline"
        (500, 2),
        (500.1, 3),  # "> 5.0 - 20.0 x baseline"
        (2000, 3),
        (2000.1, 4),  # "> 20.0 x baseline"
    ],
)
def test_ctcae_v5_investigations_alt_ast_increased_abnormal_baseline_boundaries(code, value, grade):
    """CTCAE v5.0, Investigations, ALT/AST increased: "if baseline was abnormal" clauses."""
    assert grade_lab_result(code, value, RANGES, baseline=ABNORMAL_100).grade == grade


@pytest.mark.parametrize("code", [LabCode.ALT, LabCode.AST])
@pytest.mark.parametrize(
    ("value", "grade"),
    [(40, 0), (40.1, 1), (120, 1), (120.1, 2), (200, 2), (200.1, 3), (800, 3), (800.1, 4)],
)
def test_ctcae_v5_investigations_alt_ast_increased_normal_baseline_grades_by_uln(code, value, grade):
    """CTCAE v5.0, Investigations, ALT/AST increased: "if baseline was normal", x ULN."""
    normal = LabBaseline(30.0, abnormal=False)
    assert grade_lab_result(code, value, RANGES, baseline=normal).grade == grade
    assert grade_lab_result(code, value, RANGES).grade == grade


def test_ctcae_v5_alt_rise_from_2_5_to_3_01_uln_is_grade_0_against_abnormal_baseline():
    """CTCAE v5.0 ALT increased: 3.01 x ULN is 1.2 x a 2.5 x ULN baseline, below the 1.5 x baseline G1."""
    graded = grade_lab_result(LabCode.ALT, 120.4, RANGES, baseline=ABNORMAL_100)
    assert graded.grade == 0
    assert graded.label == "G0: 1.2 × baseline, below 1.5 × an abnormal baseline"


def test_ctcae_v5_alt_clause_names_baseline_multiple():
    """CTCAE v5.0 ALT increased, G2 "> 3.0 - 5.0 x baseline": the clause shows the multiple."""
    assert grade_lab_result(LabCode.ALT, 340, RANGES, baseline=ABNORMAL_100).label == (
        "G2: 3.4 × baseline (abnormal baseline)"
    )
    assert grade_lab_result(LabCode.ALT, 136, RANGES).label == "G2: 3.4 × ULN"


def test_ctcae_v5_abnormal_baseline_uses_the_baseline_not_the_lab_uln():
    """CTCAE v5.0 ALT increased: with an abnormal baseline the ULN clauses do not apply."""
    assert grade_lab_result(LabCode.ALT, 900, RANGES, upper_limit_normal=40, baseline=ABNORMAL_100).grade == 3


@pytest.mark.parametrize(
    ("value", "baseline", "grade"),
    [
        (0.75, 0.5, 0),  # exactly 1.5 x baseline: not above it
        (0.76, 0.5, 2),  # "> 1.5 - 3.0 x baseline", within the ULN
        (1.5, 0.5, 2),  # exactly 3.0 x baseline
        (1.51, 0.5, 3),  # "> 3.0 x baseline"
        (1.2, 1.0, 1),  # 1.2 x baseline, above ULN 1.1: G1 by ULN
        (1.66, 1.2, 2),  # 1.38 x baseline, > 1.5 x ULN: G2 by ULN
        (7.0, 1.0, 4),  # > 6 x ULN: G4 has no baseline clause
    ],
)
def test_ctcae_v5_investigations_creatinine_increased_baseline_clauses(value, baseline, grade):
    """CTCAE v5.0, Investigations, creatinine increased: G2 "> 1.5 - 3.0 x baseline", G3 "> 3.0 x baseline"."""
    assert grade_lab_result(LabCode.CREATININE, value, RANGES, baseline=LabBaseline(baseline, False)).grade == grade
    assert grade_lab_result(LabCode.CREATININE, value, RANGES, baseline=LabBaseline(baseline, True)).grade == grade


def test_ctcae_v5_creatinine_clause_names_the_winning_clause():
    """CTCAE v5.0 creatinine increased: the higher of the ULN and baseline clauses, and which it was."""
    assert grade_lab_result(LabCode.CREATININE, 0.8, RANGES, baseline=LabBaseline(0.5, False)).label == (
        "G2: 1.6 × baseline"
    )
    assert grade_lab_result(LabCode.CREATININE, 1.3, RANGES, baseline=LabBaseline(1.0, False)).label == (
        "G1: 1.18 × ULN"
    )


@pytest.mark.parametrize(("value", "grade"), [(1800, 0), (1799, 1), (1499, 2), (999, 3), (499, 4)])
def test_ctcae_v5_neutrophil_count_decreased_ignores_baseline(value, grade):
    """CTCAE v5.0, Investigations, neutrophil count decreased: absolute limits, no baseline clause."""
    assert grade_lab_result(LabCode.NEUTROPHILS, value, RANGES, baseline=LabBaseline(1000, True)).grade == grade


def test_ctcae_v5_baseline_must_be_positive():
    with pytest.raises(ValueError, match="baseline"):
        grade_lab_result(LabCode.ALT, 50, RANGES, baseline=LabBaseline(0.0, True))


@given(st.floats(0, 20_000), st.floats(0, 20_000), st.floats(1, 5_000), st.booleans())
def test_ctcae_v5_alt_grade_monotone_in_value_against_any_baseline(a, b, baseline, abnormal):
    """CTCAE v5.0 ALT increased: a higher value never grades lower, whichever clause applies."""
    lo, hi = sorted((a, b))
    base = LabBaseline(baseline, abnormal)
    assert (
        grade_lab_result(LabCode.ALT, lo, RANGES, baseline=base).grade
        <= grade_lab_result(LabCode.ALT, hi, RANGES, baseline=base).grade
    )


@given(st.floats(0, 30), st.floats(0, 30), st.floats(0.1, 10), st.floats(0.1, 5))
def test_ctcae_v5_creatinine_grade_monotone_in_value(a, b, baseline, uln):
    """CTCAE v5.0 creatinine increased: monotone in the value for any baseline and ULN."""
    lo, hi = sorted((a, b))
    base = LabBaseline(baseline, False)
    assert (
        grade_lab_result(LabCode.CREATININE, lo, RANGES, upper_limit_normal=uln, baseline=base).grade
        <= grade_lab_result(LabCode.CREATININE, hi, RANGES, upper_limit_normal=uln, baseline=base).grade
    )


@given(st.floats(0, 20_000), st.floats(1, 5_000))
def test_ctcae_v5_abnormal_baseline_never_grades_above_the_uln_reading_of_a_rise_from_it(value, baseline_x):
    """CTCAE v5.0: grading against an abnormal baseline (> ULN) is never stricter than x ULN."""
    baseline = 40.0 + baseline_x
    assert (
        grade_lab_result(LabCode.ALT, value, RANGES, baseline=LabBaseline(baseline, True)).grade
        <= grade_lab_result(LabCode.ALT, value, RANGES).grade
    )
