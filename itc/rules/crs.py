"""Cytokine release syndrome graded by the ASTCT consensus (Lee et al. 2019, "ASTCT CRS Consensus Grading").

CRS needs fever (>= 38 °C). Once a participant with CRS has had antipyretic or
anti-cytokine therapy (tocilizumab, corticosteroids), the fever no longer has to
be present: grading continues by hypotension and hypoxia. The grade is the worse
of the two:

- hypotension: none (G1) / not requiring vasopressors (G2) / one vasopressor,
  with or without vasopressin (G3) / multiple vasopressors excluding vasopressin (G4);
- hypoxia: none (G1) / low-flow nasal cannula <= 6 L/min or blow-by (G2) /
  high-flow nasal cannula > 6 L/min, facemask, non-rebreather or Venturi mask (G3) /
  positive pressure: CPAP, BiPAP, intubation and mechanical ventilation (G4).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from enum import StrEnum

from itc.rules._compare import above, at_least, fmt
from itc.rules.graded import Graded

FEVER_C = 38.0
LOW_FLOW_MAX_L_PER_MIN = 6.0


class FeverMasking(StrEnum):
    """Therapy given for CRS after which fever is no longer required to grade it."""

    ANTIPYRETIC = "antipyretic"
    TOCILIZUMAB = "tocilizumab"
    CORTICOSTEROID = "corticosteroid"
    OTHER_ANTI_CYTOKINE = "other_anti_cytokine"


class Vasopressor(StrEnum):
    NOREPINEPHRINE = "norepinephrine"
    EPINEPHRINE = "epinephrine"
    PHENYLEPHRINE = "phenylephrine"
    DOPAMINE = "dopamine"
    VASOPRESSIN = "vasopressin"
    # A vasopressor other than vasopressin whose name was not recorded (older records give a count).
    OTHER = "other"


class OxygenDevice(StrEnum):
    NASAL_CANNULA = "nasal_cannula"
    BLOW_BY = "blow_by"
    FACEMASK = "facemask"
    NON_REBREATHER_MASK = "non_rebreather_mask"
    VENTURI_MASK = "venturi_mask"
    # CPAP, BiPAP, or intubation and mechanical ventilation.
    POSITIVE_PRESSURE = "positive_pressure"


_GRADE_3_MASKS = frozenset({OxygenDevice.FACEMASK, OxygenDevice.NON_REBREATHER_MASK, OxygenDevice.VENTURI_MASK})
_DEVICE_WORDS = {
    OxygenDevice.BLOW_BY: "blow-by oxygen",
    OxygenDevice.FACEMASK: "oxygen by facemask",
    OxygenDevice.NON_REBREATHER_MASK: "oxygen by non-rebreather mask",
    OxygenDevice.VENTURI_MASK: "oxygen by Venturi mask",
    OxygenDevice.POSITIVE_PRESSURE: "positive pressure ventilation",
}


def grade(
    *,
    temperature_c: float,
    fever_masked_by: Collection[FeverMasking],
    hypotension: bool,
    vasopressors: Collection[Vasopressor],
    oxygen_device: OxygenDevice | None,
    oxygen_l_per_min: float,
) -> Graded:
    """The ASTCT CRS grade (0 = not CRS) and the finding that set it."""
    # Plain strings are accepted too (as read back from JSON), and compared as members.
    fever_masked_by = [FeverMasking(m) for m in fever_masked_by]
    vasopressors = [Vasopressor(v) for v in vasopressors]
    oxygen_device = OxygenDevice(oxygen_device) if oxygen_device is not None else None
    if not math.isfinite(temperature_c):
        raise ValueError("temperature_c must be a number")
    if not math.isfinite(oxygen_l_per_min) or oxygen_l_per_min < 0:
        raise ValueError("oxygen_l_per_min must not be negative")
    if vasopressors and not hypotension:
        raise ValueError("vasopressors are given for hypotension, but hypotension is false")
    if oxygen_device is OxygenDevice.NASAL_CANNULA and not oxygen_l_per_min > 0:
        raise ValueError("a nasal cannula needs its flow in L/min")
    febrile = at_least(temperature_c, FEVER_C)
    if not febrile and not fever_masked_by:
        return Graded(0, f"not CRS: {fmt(temperature_c)} °C, no fever ≥ {fmt(FEVER_C)} °C and none masked by therapy")
    by_pressure = _by_hypotension(hypotension, vasopressors)
    by_oxygen = _by_hypoxia(oxygen_device, oxygen_l_per_min)
    worst = max(by_pressure, by_oxygen, key=lambda g: g.grade)
    if worst.grade == 1:
        clause = f"fever {fmt(temperature_c)} °C, no hypotension or hypoxia"
    else:
        clause = "; ".join(g.clause for g in (by_pressure, by_oxygen) if g.grade == worst.grade)
    if not febrile:
        clause += f" (fever masked by {', '.join(sorted(str(m) for m in fever_masked_by))})"
    return Graded(worst.grade, clause)


def _by_hypotension(hypotension: bool, vasopressors: Collection[Vasopressor]) -> Graded:
    if not hypotension:
        return Graded(1, "no hypotension")
    named = ", ".join(sorted(str(v) for v in vasopressors))
    if sum(1 for v in vasopressors if v is not Vasopressor.VASOPRESSIN) >= 2:
        return Graded(4, f"multiple vasopressors excluding vasopressin ({named})")
    if vasopressors:
        return Graded(3, f"hypotension on one vasopressor with or without vasopressin ({named})")
    return Graded(2, "hypotension not requiring vasopressors")


def _by_hypoxia(device: OxygenDevice | None, l_per_min: float) -> Graded:
    if device is None and l_per_min > 0:
        device = OxygenDevice.NASAL_CANNULA
    if device is None:
        return Graded(1, "no hypoxia")
    if device is OxygenDevice.POSITIVE_PRESSURE:
        return Graded(4, _DEVICE_WORDS[device])
    if device in _GRADE_3_MASKS:
        return Graded(3, _DEVICE_WORDS[device])
    if device is OxygenDevice.NASAL_CANNULA:
        if above(l_per_min, LOW_FLOW_MAX_L_PER_MIN):
            return Graded(3, f"high-flow nasal cannula {fmt(l_per_min)} L/min (> {fmt(LOW_FLOW_MAX_L_PER_MIN)})")
        return Graded(2, f"low-flow nasal cannula {fmt(l_per_min)} L/min (≤ {fmt(LOW_FLOW_MAX_L_PER_MIN)})")
    return Graded(2, _DEVICE_WORDS[device])
