import pytest
from hypothesis import given
from hypothesis import strategies as st

from itc.rules.config import ReferenceRanges
from itc.rules.ctcae import GRADED_LABS, grade_crs, grade_icans, grade_lab
from itc.rules.lab_catalogue import LabCode

RANGES = ReferenceRanges()


@pytest.mark.parametrize("code", [LabCode.ALT, LabCode.AST])
@pytest.mark.parametrize(
    ("value", "grade"),
    [
        (0, 0),
        (39.9, 0),
        (40, 0),
        (40.1, 1),
        (119.9, 1),
        (120, 1),
        (120.1, 2),
        (200, 2),
        (200.1, 3),
        (800, 3),
        (800.1, 4),
        (5000, 4),
    ],
)
def test_transaminases_default_uln(code, value, grade):
    assert grade_lab(code, value, RANGES) == grade


@pytest.mark.parametrize(
    ("value", "grade"),
    [(35, 0), (35.1, 1), (105, 1), (105.1, 2), (175, 2), (175.1, 3), (700, 3), (700.1, 4)],
)
def test_alt_uses_given_uln(value, grade):
    assert grade_lab(LabCode.ALT, value, RANGES, upper_limit_normal=35) == grade


def test_alt_uln_default_comes_from_ranges():
    ranges = ReferenceRanges(alt_uln_u_l=50, ast_uln_u_l=30)
    assert grade_lab(LabCode.ALT, 150, ranges) == 1
    assert grade_lab(LabCode.AST, 150, ranges) == 2  # exactly 5 x ULN 30
    assert grade_lab(LabCode.AST, 151, ranges) == 3


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        (0.5, 0),
        (1.1, 0),
        (1.11, 1),
        (1.65, 1),
        (1.66, 2),
        (3.3, 2),
        (3.31, 3),
        (6.6, 3),
        (6.61, 4),
        (12, 4),
    ],
)
def test_creatinine_default_uln(value, grade):
    assert grade_lab(LabCode.CREATININE, value, RANGES) == grade


@pytest.mark.parametrize(
    ("value", "uln", "grade"),
    [(1.3, 1.3, 0), (1.95, 1.3, 1), (1.96, 1.3, 2), (3.9, 1.3, 2), (3.91, 1.3, 3), (7.8, 1.3, 3), (7.81, 1.3, 4)],
)
def test_creatinine_given_uln(value, uln, grade):
    assert grade_lab(LabCode.CREATININE, value, RANGES, upper_limit_normal=uln) == grade


@pytest.mark.parametrize(
    ("value", "baseline", "grade"),
    [
        (0.9, 0.3, 0),  # exactly 3 x baseline, within ULN
        (0.91, 0.3, 3),  # above 3 x baseline though within ULN
        (1.2, 0.5, 1),
        (1.51, 0.5, 3),
        (2.0, 1.0, 2),
        (7.0, 1.0, 4),  # the ULN grade is higher and stays
    ],
)
def test_creatinine_baseline_rule(value, baseline, grade):
    assert grade_lab(LabCode.CREATININE, value, RANGES, baseline_value=baseline) == grade


def test_baseline_ignored_for_other_labs():
    assert grade_lab(LabCode.ALT, 45, RANGES, baseline_value=5) == 1


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        (5000, 0),
        (1800, 0),
        (1799, 1),
        (1500.1, 1),
        (1500, 1),
        (1499.9, 2),
        (1000, 2),
        (999.9, 3),
        (500, 3),
        (499.9, 4),
        (0, 4),
    ],
)
def test_neutrophils_default_lln(value, grade):
    assert grade_lab(LabCode.NEUTROPHILS, value, RANGES) == grade


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        (400_000, 0),
        (150_000, 0),
        (149_999, 1),
        (75_000, 1),
        (74_999, 2),
        (50_000, 2),
        (49_999, 3),
        (25_000, 3),
        (24_999, 4),
        (0, 4),
    ],
)
def test_platelets_default_lln(value, grade):
    assert grade_lab(LabCode.PLATELETS, value, RANGES) == grade


@pytest.mark.parametrize(("value", "grade"), [(2500, 0), (2000, 0), (1999, 1), (1400, 0), (1399, 2)])
def test_low_counts_use_given_lln(value, grade):
    lln = 2000 if value >= 1500 else 1400
    assert grade_lab(LabCode.NEUTROPHILS, value, RANGES, lower_limit_normal=lln) == grade


def test_platelet_lln_default_comes_from_ranges():
    assert grade_lab(LabCode.PLATELETS, 140_000, ReferenceRanges(platelets_lln_per_mm3=130_000)) == 0
    assert grade_lab(LabCode.PLATELETS, 140_000, RANGES) == 1


@pytest.mark.parametrize("code", [LabCode.SPO2, LabCode.CEA, LabCode.CA15_3, LabCode.ECG, "potassium"])
def test_ungraded_codes_raise(code):
    with pytest.raises(ValueError):
        grade_lab(code, 1.0, RANGES)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(code=LabCode.ALT, value=-1.0),
        dict(code=LabCode.ALT, value=float("nan")),
        dict(code=LabCode.ALT, value=50.0, upper_limit_normal=0.0),
        dict(code=LabCode.NEUTROPHILS, value=50.0, lower_limit_normal=-1.0),
        dict(code=LabCode.CREATININE, value=1.0, baseline_value=0.0),
    ],
)
def test_invalid_lab_inputs_raise(kwargs):
    with pytest.raises(ValueError):
        grade_lab(ranges=RANGES, **kwargs)


def test_graded_labs_set():
    assert {LabCode.ALT, LabCode.AST, LabCode.CREATININE, LabCode.NEUTROPHILS, LabCode.PLATELETS} == GRADED_LABS


@given(st.floats(0, 20_000), st.floats(0, 20_000), st.floats(1, 200))
def test_alt_grade_non_decreasing_in_value(a, b, uln):
    lo, hi = sorted((a, b))
    assert grade_lab(LabCode.ALT, lo, RANGES, upper_limit_normal=uln) <= grade_lab(
        LabCode.ALT, hi, RANGES, upper_limit_normal=uln
    )


@given(st.floats(0, 20_000), st.floats(0, 20_000), st.floats(100, 5000))
def test_neutrophil_grade_non_increasing_in_value(a, b, lln):
    lo, hi = sorted((a, b))
    assert grade_lab(LabCode.NEUTROPHILS, lo, RANGES, lower_limit_normal=lln) >= grade_lab(
        LabCode.NEUTROPHILS, hi, RANGES, lower_limit_normal=lln
    )


def crs(temp=37.0, hypotension=False, vasopressors=0, oxygen=0.0, facemask=False, ppv=False) -> int:
    return grade_crs(temp, hypotension, vasopressors, oxygen, facemask, ppv)


@pytest.mark.parametrize(
    ("kwargs", "grade"),
    [
        (dict(), 0),
        (dict(temp=37.9), 0),
        (dict(temp=38.0), 1),
        (dict(temp=39.5), 1),
        (dict(temp=38.5, hypotension=True), 2),
        (dict(temp=38.5, oxygen=0.5), 2),
        (dict(temp=38.5, oxygen=6.0), 2),
        (dict(temp=38.5, oxygen=6.1), 3),
        (dict(temp=38.5, facemask=True), 3),
        (dict(temp=38.5, facemask=True, oxygen=4.0), 3),
        (dict(temp=38.5, hypotension=True, vasopressors=1), 3),
        (dict(temp=38.5, vasopressors=1, oxygen=3.0), 3),
        (dict(temp=38.5, hypotension=True, vasopressors=2), 4),
        (dict(temp=38.5, vasopressors=3), 4),
        (dict(temp=38.5, ppv=True), 4),
        (dict(temp=38.5, ppv=True, oxygen=10.0, facemask=True, vasopressors=1), 4),
        # Fever masked by antipyretics: organ support still grades.
        (dict(temp=37.0, hypotension=True), 2),
        (dict(temp=37.0, oxygen=8.0), 3),
    ],
)
def test_crs_grades(kwargs, grade):
    assert crs(**kwargs) == grade


@pytest.mark.parametrize("kwargs", [dict(vasopressors=-1), dict(oxygen=-0.5), dict(oxygen=float("nan"))])
def test_crs_rejects_negative_support(kwargs):
    with pytest.raises(ValueError):
        crs(**kwargs)


@pytest.mark.parametrize(
    ("ice", "grade"),
    [(10, 0), (9, 1), (8, 1), (7, 1), (6, 2), (5, 2), (4, 2), (3, 2), (2, 3), (1, 3), (0, 3)],
)
def test_icans_from_ice(ice, grade):
    assert grade_icans(ice, unarousable=False, seizure_over_5_minutes=False) == grade


def test_icans_unarousable_is_grade_4():
    assert grade_icans(0, unarousable=True, seizure_over_5_minutes=False) == 4


@pytest.mark.parametrize("ice", [0, 2, 5, 9, 10])
def test_icans_prolonged_seizure_is_grade_4_regardless_of_ice(ice):
    assert grade_icans(ice, unarousable=False, seizure_over_5_minutes=True) == 4


@pytest.mark.parametrize("ice", [-1, 11])
def test_icans_rejects_impossible_ice(ice):
    with pytest.raises(ValueError):
        grade_icans(ice, unarousable=False, seizure_over_5_minutes=False)
