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
    # Immune function as values: flow cytometry subsets (cells/µL and % of lymphocytes), ELISA cytokines.
    NK_CD56_CD3NEG = "nk_cd56_cd3neg"
    NK_CD56_CD3NEG_PERCENT = "nk_cd56_cd3neg_percent"
    T_CD3 = "t_cd3"
    T_CD3_PERCENT = "t_cd3_percent"
    T_CD4 = "t_cd4"
    T_CD4_PERCENT = "t_cd4_percent"
    T_CD8 = "t_cd8"
    T_CD8_PERCENT = "t_cd8_percent"
    B_CD19 = "b_cd19"
    B_CD19_PERCENT = "b_cd19_percent"
    IFN_GAMMA = "ifn_gamma"
    TNF_ALPHA = "tnf_alpha"
    IL_6 = "il_6"
    IL_10 = "il_10"


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
    # Lymphocyte subsets: counts in cells/µL (a lymphocytosis tops out near 10^5/µL) and % of lymphocytes.
    **{
        code: LabSpec("cells/µL", 0.0, 100_000.0, limit_range=(0.0, 5_000.0))
        for code in (LabCode.NK_CD56_CD3NEG, LabCode.T_CD3, LabCode.T_CD4, LabCode.T_CD8, LabCode.B_CD19)
    },
    **{
        code: LabSpec("%", 0.0, 100.0, limit_range=(0.0, 100.0))
        for code in (
            LabCode.NK_CD56_CD3NEG_PERCENT,
            LabCode.T_CD3_PERCENT,
            LabCode.T_CD4_PERCENT,
            LabCode.T_CD8_PERCENT,
            LabCode.B_CD19_PERCENT,
        )
    },
    # Serum cytokines: pg/mL; CRS can drive IL-6 to tens of thousands.
    **{
        code: LabSpec("pg/mL", 0.0, 1_000_000.0, limit_range=(0.0, 1_000.0))
        for code in (LabCode.IFN_GAMMA, LabCode.TNF_ALPHA, LabCode.IL_6, LabCode.IL_10)
    },
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
