"""CTCAE v5.0 lab grading, with the baseline clauses, plus the earlier readings old journeys replay with.

The grade boundaries below are the published standards themselves, not protocol
choices, so they live here rather than in ProtocolConfig; only the normal
ranges (ULN/LLN), which vary by lab, come from configuration.

`grade_lab_result` is CTCAE v5.0 in full (System Organ Class "Investigations"):
ALT and AST graded against the participant's baseline when it was abnormal, and
creatinine's "> 1.5 - 3.0 x baseline" and "> 3.0 x baseline" clauses. `grade_lab`,
`grade_crs` and `grade_icans` are the readings journeys started before the
`full-toxicity-grading` patch were graded with; they stay, unchanged, so those
journeys replay exactly (see `itc.rules.crs` and `itc.rules.icans` for ASTCT).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from itc.rules._compare import above, at_least, below, fmt
from itc.rules.config import ReferenceRanges
from itc.rules.graded import Graded
from itc.rules.lab_catalogue import LabCode

GRADED_LABS: frozenset[LabCode] = frozenset(
    {LabCode.ALT, LabCode.AST, LabCode.CREATININE, LabCode.NEUTROPHILS, LabCode.PLATELETS}
)

# CTCAE v5: lower bound (exclusive) of grades 2, 3 and 4 as multiples of ULN.
_ULN_MULTIPLES: dict[LabCode, tuple[float, float, float]] = {
    LabCode.ALT: (3.0, 5.0, 20.0),
    LabCode.AST: (3.0, 5.0, 20.0),
    LabCode.CREATININE: (1.5, 3.0, 6.0),
}
# CTCAE v5: upper bound (exclusive) of grades 2, 3 and 4 in cells/mm3.
_LOW_COUNT_LIMITS: dict[LabCode, tuple[float, float, float]] = {
    LabCode.NEUTROPHILS: (1500.0, 1000.0, 500.0),
    LabCode.PLATELETS: (75_000.0, 50_000.0, 25_000.0),
}
_CREATININE_BASELINE_G3_MULTIPLE = 3.0

# The earlier CRS and ICANS reading (ASTCT in full: itc.rules.crs, itc.rules.icans).
_CRS_FEVER_C = 38.0
_CRS_LOW_FLOW_MAX_L_PER_MIN = 6.0
_ICE_MAX = 10
_ICE_G1_MIN = 7
_ICE_G2_MIN = 3


def _positive(value: float, name: str) -> float:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value}")
    return value


@dataclass(frozen=True)
class LabBaseline:
    """The participant's own pre-treatment value, and whether it was beyond the normal limit."""

    value: float
    abnormal: bool


# CTCAE v5.0 ALT/AST increased, "if baseline was abnormal": G1 from 1.5 x baseline (inclusive),
# then the lower bounds (exclusive) of G2, G3 and G4.
_ABNORMAL_BASELINE_G1_MULTIPLE = 1.5
_ABNORMAL_BASELINE_MULTIPLES: dict[LabCode, tuple[float, float, float]] = {
    LabCode.ALT: (3.0, 5.0, 20.0),
    LabCode.AST: (3.0, 5.0, 20.0),
}
# CTCAE v5.0 creatinine increased: G2 "> 1.5 - 3.0 x baseline", G3 "> 3.0 x baseline",
# whatever the baseline was; grade 1 and grade 4 have no baseline clause.
_CREATININE_BASELINE_G2_MULTIPLE = 1.5
# The labs whose CTCAE v5 terms have baseline clauses.
BASELINE_GRADED_LABS: frozenset[LabCode] = frozenset({LabCode.ALT, LabCode.AST, LabCode.CREATININE})


def grade_lab_result(
    code: LabCode,
    value: float,
    ranges: ReferenceRanges,
    *,
    upper_limit_normal: float | None = None,
    lower_limit_normal: float | None = None,
    baseline: LabBaseline | None = None,
) -> Graded:
    """CTCAE v5.0 grade 0-4 with the clause that produced it.

    Without a baseline, ALT and AST are graded as if the baseline was normal (x ULN),
    and creatinine by its ULN clauses alone.
    """
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{code} value must be a non-negative number, got {value}")
    if baseline is not None:
        _positive(baseline.value, f"baseline {code}")
    if code in _ABNORMAL_BASELINE_MULTIPLES and baseline is not None and baseline.abnormal:
        return _against_abnormal_baseline(value / baseline.value, _ABNORMAL_BASELINE_MULTIPLES[code])
    if code in _ULN_MULTIPLES:
        uln = _positive(upper_limit_normal if upper_limit_normal is not None else _default_uln(code, ranges), "ULN")
        by_uln = _graded_high(value, uln, _ULN_MULTIPLES[code])
        if code == LabCode.CREATININE and baseline is not None:
            by_baseline = _creatinine_against_baseline(value / baseline.value)
            if by_baseline.grade > by_uln.grade:
                return by_baseline
        return by_uln
    if code in _LOW_COUNT_LIMITS:
        lln = _positive(lower_limit_normal if lower_limit_normal is not None else _default_lln(code, ranges), "LLN")
        grade = _grade_low(value, lln, _LOW_COUNT_LIMITS[code])
        return Graded(grade, f"{fmt(value)} /mm3, LLN {fmt(lln)}" if grade else f"{fmt(value)} /mm3, not below LLN")
    raise ValueError(f"no CTCAE lab grading for {code!r}")


def _against_abnormal_baseline(ratio: float, multiples: tuple[float, float, float]) -> Graded:
    g2, g3, g4 = multiples
    shown = f"{fmt(round(ratio, 2))} × baseline"
    if above(ratio, g4):
        return Graded(4, f"{shown} (abnormal baseline)")
    if above(ratio, g3):
        return Graded(3, f"{shown} (abnormal baseline)")
    if above(ratio, g2):
        return Graded(2, f"{shown} (abnormal baseline)")
    if at_least(ratio, _ABNORMAL_BASELINE_G1_MULTIPLE):
        return Graded(1, f"{shown} (abnormal baseline)")
    return Graded(0, f"{shown}, below {fmt(_ABNORMAL_BASELINE_G1_MULTIPLE)} × an abnormal baseline")


def _creatinine_against_baseline(ratio: float) -> Graded:
    shown = f"{fmt(round(ratio, 2))} × baseline"
    if above(ratio, _CREATININE_BASELINE_G3_MULTIPLE):
        return Graded(3, shown)
    if above(ratio, _CREATININE_BASELINE_G2_MULTIPLE):
        return Graded(2, shown)
    return Graded(0, f"{shown}, not above {fmt(_CREATININE_BASELINE_G2_MULTIPLE)} × baseline")


def _graded_high(value: float, uln: float, multiples: tuple[float, float, float]) -> Graded:
    grade = _grade_high(value, uln, multiples)
    shown = f"{fmt(round(value / uln, 2))} × ULN"
    return Graded(grade, shown if grade else f"{shown}, not above ULN")


def grade_lab(
    code: LabCode,
    value: float,
    ranges: ReferenceRanges,
    upper_limit_normal: float | None = None,
    lower_limit_normal: float | None = None,
    baseline_value: float | None = None,
) -> int:
    """CTCAE v5 grade 0-4 by the ULN/LLN clauses alone (and creatinine's "> 3 x baseline").

    The reading journeys started before the full-toxicity-grading patch replay with;
    new journeys use `grade_lab_result`. The lab's own ULN/LLN beats the protocol default.
    """
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{code} value must be a non-negative number, got {value}")
    if code in _ULN_MULTIPLES:
        uln = _positive(upper_limit_normal if upper_limit_normal is not None else _default_uln(code, ranges), "ULN")
        grade = _grade_high(value, uln, _ULN_MULTIPLES[code])
        if code == LabCode.CREATININE and baseline_value is not None:
            baseline = _positive(baseline_value, "baseline creatinine")
            if above(value, _CREATININE_BASELINE_G3_MULTIPLE * baseline):
                grade = max(grade, 3)
        return grade
    if code in _LOW_COUNT_LIMITS:
        lln = _positive(lower_limit_normal if lower_limit_normal is not None else _default_lln(code, ranges), "LLN")
        return _grade_low(value, lln, _LOW_COUNT_LIMITS[code])
    raise ValueError(f"no CTCAE lab grading for {code!r}")


def default_uln(code: LabCode, ranges: ReferenceRanges) -> float:
    """The protocol's ULN for a lab graded against it, used when the lab reports none."""
    return _default_uln(code, ranges)


def _default_uln(code: LabCode, ranges: ReferenceRanges) -> float:
    return {
        LabCode.ALT: ranges.alt_uln_u_l,
        LabCode.AST: ranges.ast_uln_u_l,
        LabCode.CREATININE: ranges.creatinine_uln_mg_dl,
    }[code]


def _default_lln(code: LabCode, ranges: ReferenceRanges) -> float:
    return {
        LabCode.NEUTROPHILS: ranges.neutrophils_lln_per_mm3,
        LabCode.PLATELETS: ranges.platelets_lln_per_mm3,
    }[code]


def _grade_high(value: float, uln: float, multiples: tuple[float, float, float]) -> int:
    if not above(value, uln):
        return 0
    g2, g3, g4 = (m * uln for m in multiples)
    return 4 if above(value, g4) else 3 if above(value, g3) else 2 if above(value, g2) else 1


def _grade_low(value: float, lln: float, limits: tuple[float, float, float]) -> int:
    if not below(value, lln):
        return 0
    g2, g3, g4 = limits
    return 4 if below(value, g4) else 3 if below(value, g3) else 2 if below(value, g2) else 1


def grade_crs(
    temperature_c: float,
    hypotension: bool,
    vasopressors: int,
    oxygen_l_per_min: float,
    oxygen_by_facemask: bool,
    positive_pressure_ventilation: bool,
) -> int:
    """CRS grade as journeys before the full-toxicity-grading patch read it (see `itc.rules.crs`).

    ASTCT grades CRS only when fever is or was present; fever is often masked by
    antipyretics or tocilizumab, so hypotension or hypoxia grade on their own here
    rather than be missed.
    """
    if vasopressors < 0 or not math.isfinite(oxygen_l_per_min) or oxygen_l_per_min < 0:
        raise ValueError("vasopressors and oxygen flow must not be negative")
    if vasopressors > 1 or positive_pressure_ventilation:
        return 4
    if vasopressors == 1 or oxygen_by_facemask or above(oxygen_l_per_min, _CRS_LOW_FLOW_MAX_L_PER_MIN):
        return 3
    if hypotension or oxygen_l_per_min > 0:
        return 2
    if at_least(temperature_c, _CRS_FEVER_C):
        return 1
    return 0


def grade_icans(ice_score: int, unarousable: bool, seizure_over_5_minutes: bool) -> int:
    """ICANS grade from three of its five domains, as journeys before the full-toxicity-grading
    patch read it (see `itc.rules.icans` for all five).

    An unarousable patient cannot score on ICE, so unarousable grades 4 even if
    a stale non-zero score is passed alongside it.
    """
    if not 0 <= ice_score <= _ICE_MAX:
        raise ValueError(f"ICE score must be 0-{_ICE_MAX}, got {ice_score}")
    if seizure_over_5_minutes or unarousable:
        return 4
    if ice_score == _ICE_MAX:
        return 0
    if ice_score >= _ICE_G1_MIN:
        return 1
    if ice_score >= _ICE_G2_MIN:
        return 2
    return 3
