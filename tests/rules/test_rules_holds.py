"""Infusion holds: an unresolved non-haematological toxicity at or above the protocol's threshold."""

from __future__ import annotations

from itc.rules.holds import OpenToxicity, hold_reason
from itc.rules.lab_catalogue import LabCode

NAUSEA_2 = OpenToxicity(ae_id="AE-1", term="nausea", grade=2, haematological=False)
NEUTROPENIA_4 = OpenToxicity(ae_id="AE-2", term="neutropenia", grade=4, haematological=True)


def test_an_open_non_haematological_toxicity_at_the_threshold_holds():
    assert hold_reason([NAUSEA_2], {}, threshold=2) == "unresolved grade 2 nausea (AE-1)"
    assert hold_reason([NAUSEA_2], {}, threshold=3) is None


def test_haematological_toxicity_never_holds():
    assert hold_reason([NEUTROPENIA_4], {LabCode.NEUTROPHILS: 4, LabCode.PLATELETS: 4}, threshold=2) is None


def test_organ_function_labs_hold_in_a_fixed_order():
    grades = {LabCode.CREATININE: 3, LabCode.AST: 2, LabCode.ALT: 1}
    assert hold_reason([], grades, threshold=2) == "grade 2 ast in the latest result"
    assert hold_reason([], grades, threshold=3) == "grade 3 creatinine in the latest result"
    assert hold_reason([NAUSEA_2], grades, threshold=2) == "unresolved grade 2 nausea (AE-1)"
