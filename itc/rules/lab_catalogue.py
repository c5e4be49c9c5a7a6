"""The lab and assessment codes the trial accepts, with units and plausible ranges.

A value outside its plausible range is a typing error (a weight keyed into the
creatinine box), not a clinical finding, so it is refused at entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class LabCode(StrEnum):
    CREATININE = "creatinine"
    ALT = "alt"
    AST = "ast"
    SPO2 = "spo2"
    NEUTROPHILS = "neutrophils"
    PLATELETS = "platelets"
    CA15_3 = "ca15_3"
    CEA = "cea"
    FLOW_CYTOMETRY_PANEL = "flow_cytometry_panel"
    ELISA_CYTOKINES = "elisa_cytokines"
    ECG = "ecg"
    PHYSICAL_EXAM = "physical_exam"
    VITAL_SIGNS = "vital_signs"


class Interpretation(StrEnum):
    NORMAL = "normal"
    ABNORMAL_NOT_CLINICALLY_SIGNIFICANT = "abnormal_not_clinically_significant"
    ABNORMAL_CLINICALLY_SIGNIFICANT = "abnormal_clinically_significant"


@dataclass(frozen=True)
class LabSpec:
    unit: str | None
    min_value: float | None = None
    max_value: float | None = None
    # The range any laboratory's reference limit (ULN or LLN) for this test could fall in.
    # Like the value range, this is what is possible, not a protocol choice: a limit outside
    # it is a typing error, and an absurd ULN (say 1e308) would hide every toxicity grade.
    limit_range: tuple[float, float] | None = None

    @property
    def numeric(self) -> bool:
        return self.unit is not None


LAB_SPECS: dict[LabCode, LabSpec] = {
    LabCode.CREATININE: LabSpec("mg/dL", 0.0, 30.0, limit_range=(0.1, 5.0)),
    LabCode.ALT: LabSpec("U/L", 0.0, 20_000.0, limit_range=(0.0, 200.0)),
    LabCode.AST: LabSpec("U/L", 0.0, 20_000.0, limit_range=(0.0, 200.0)),
    LabCode.SPO2: LabSpec("%", 0.0, 100.0, limit_range=(80.0, 100.0)),
    LabCode.NEUTROPHILS: LabSpec("/mm3", 0.0, 200_000.0, limit_range=(500.0, 20_000.0)),
    LabCode.PLATELETS: LabSpec("/mm3", 0.0, 3_000_000.0, limit_range=(50_000.0, 1_000_000.0)),
    LabCode.CA15_3: LabSpec("U/mL", 0.0, 100_000.0, limit_range=(0.0, 200.0)),
    LabCode.CEA: LabSpec("ng/mL", 0.0, 100_000.0, limit_range=(0.0, 100.0)),
    # Panels and examinations are recorded as an interpretation, not a number.
    LabCode.FLOW_CYTOMETRY_PANEL: LabSpec(None),
    LabCode.ELISA_CYTOKINES: LabSpec(None),
    LabCode.ECG: LabSpec(None),
    LabCode.PHYSICAL_EXAM: LabSpec(None),
    LabCode.VITAL_SIGNS: LabSpec(None),
}

SCREENING_LABS: tuple[LabCode, ...] = (LabCode.CREATININE, LabCode.SPO2, LabCode.ALT, LabCode.AST)
BASELINE_ASSESSMENTS: tuple[LabCode, ...] = (
    LabCode.CA15_3,
    LabCode.CEA,
    LabCode.FLOW_CYTOMETRY_PANEL,
    LabCode.ELISA_CYTOKINES,
    LabCode.ECG,
    LabCode.PHYSICAL_EXAM,
)
PRE_INFUSION_LABS: tuple[LabCode, ...] = (
    LabCode.CREATININE,
    LabCode.ALT,
    LabCode.AST,
    LabCode.NEUTROPHILS,
    LabCode.PLATELETS,
    LabCode.VITAL_SIGNS,
)
TOXICITY_CHECK_LABS: tuple[LabCode, ...] = PRE_INFUSION_LABS
RESPONSE_LABS: tuple[LabCode, ...] = (
    LabCode.CA15_3,
    LabCode.CEA,
    LabCode.FLOW_CYTOMETRY_PANEL,
    LabCode.ELISA_CYTOKINES,
)
HAEMATOLOGICAL_LABS: frozenset[LabCode] = frozenset({LabCode.NEUTROPHILS, LabCode.PLATELETS})
# Organ-function labs whose grade can hold an infusion, in the order a hold names them.
NON_HAEMATOLOGICAL_LABS: tuple[LabCode, ...] = (LabCode.ALT, LabCode.AST, LabCode.CREATININE)
