"""The versioned protocol configuration.

Every threshold, window and interval the journey and the trial use lives here,
with the defaults from the domain brief. A journey copies the whole
configuration into its input when it starts, so an amendment (a new version)
reaches new journeys only; in-flight journeys change only where the workflow
patches it in. Loading a version from a file is the runtime's job
(`itc.runtime.protocol_files`): this module does no I/O.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from itc.rules.lab_catalogue import LabCode


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _without_retired(data: Any, retired: frozenset[str]) -> Any:
    """Drop keys that earlier versions carried and nothing reads: recorded histories still decode."""
    if isinstance(data, dict):
        return {key: value for key, value in data.items() if key not in retired}
    return data


class DoseSplit(StrEnum):
    # "8-10 billion cells/m2 through three infusions" is ambiguous in the protocol.
    TOTAL_SPLIT_EQUALLY = "total_split_equally"
    PER_INFUSION = "per_infusion"


class StoppingRule(StrEnum):
    BOIN_ELIMINATION = "boin_elimination"
    THREE_PLUS_THREE = "three_plus_three"


class EligibilityCriteria(_Frozen):
    min_age_years: int = 20
    max_age_years: int = 70
    required_sex: str = "female"
    max_creatinine_mg_dl: float = 2.0  # exclusion is creatinine > 2 mg/dL
    min_spo2_percent_exclusive: float = 96.0  # exclusion is SpO2 <= 96 %
    max_alt_ast_x_uln: float = 2.5  # exclusion is ALT or AST > 2.5 x ULN
    allowed_metastasis_sites: tuple[str, ...] = ("lymph_node", "lung", "liver", "bone")
    screening_result_max_age_days: int = 28


class ReferenceRanges(_Frozen):
    """Used when a lab result arrives without the lab's own reference range."""

    alt_uln_u_l: float = 40.0
    ast_uln_u_l: float = 40.0
    creatinine_uln_mg_dl: float = 1.1
    neutrophils_lln_per_mm3: float = 1800.0
    platelets_lln_per_mm3: float = 150_000.0


class EndotoxinLimitBasis(StrEnum):
    DOSE_AWARE = "dose_aware"  # USP <85>: K/M from the participant's weight and the dose volume
    FLAT = "flat"  # max_endotoxin_eu_per_ml whatever the dose


class ReleaseCriteria(_Frozen):
    sterility_negative: bool = True
    mycoplasma_negative: bool = True
    max_endotoxin_eu_per_ml: float = 5.0  # the flat limit, used when the basis is flat
    endotoxin_limit_basis: EndotoxinLimitBasis = EndotoxinLimitBasis.DOSE_AWARE
    endotoxin_k_eu_per_kg_per_hour: float = 5.0  # USP <85> K for intravenous products
    dose_volume_ml: float = 100.0  # one infusion's volume, when the release QC does not give it
    min_viability_percent: float = 70.0
    min_cd56_cd3neg_purity_percent: float = 80.0


class ManufacturingMilestoneSpec(_Frozen):
    name: str
    expected_days: int  # from the previous milestone (the first from biopsy collection)


DEFAULT_MILESTONES: tuple[ManufacturingMilestoneSpec, ...] = (
    ManufacturingMilestoneSpec(name="biopsy_received", expected_days=3),
    ManufacturingMilestoneSpec(name="fibroblasts_expanded", expected_days=21),
    ManufacturingMilestoneSpec(name="ipsc_line_established", expected_days=35),
    ManufacturingMilestoneSpec(name="ipsc_qc_passed", expected_days=14),
    ManufacturingMilestoneSpec(name="nk_differentiation_complete", expected_days=35),
    ManufacturingMilestoneSpec(name="product_release_qc", expected_days=7),
)


class Manufacturing(_Frozen):
    milestones: tuple[ManufacturingMilestoneSpec, ...] = DEFAULT_MILESTONES
    overall_deadline_days: int = 120
    max_rebiopsies: int = 1
    release: ReleaseCriteria = ReleaseCriteria()


class Dosing(_Frozen):
    min_cells_per_m2: float = 8e9
    target_cells_per_m2: float = 9e9
    max_cells_per_m2: float = 10e9
    split: DoseSplit = DoseSplit.TOTAL_SPLIT_EQUALLY
    infusion_count: int = 3


class Infusions(_Frozen):
    days_from_release_to_first_infusion: int = 7
    schedule_days: tuple[int, ...] = (0, 14, 28)
    window_days: int = 2
    pre_infusion_check_hours: int = 72
    max_hold_days: int = 14
    toxicity_check_days: tuple[int, ...] = (1, 3, 7)
    toxicity_check_window_days: int = 1
    hold_grade_threshold: int = 2  # unresolved non-haematological grade >= this holds the infusion


class DltDefinition(_Frozen):
    window_days_after_last_infusion: int = 28
    non_haematological_min_grade: int = 3
    haematological_grade: int = 4
    haematological_min_duration_days: int = 7
    crs_icans_min_grade: int = 3


class ResponseAssessment(_Frozen):
    weeks_after_last_infusion: int = 8
    window_days: int = 7
    confirmation_min_weeks: int = 4
    confirmation_window_days: int = 14

    @model_validator(mode="before")
    @classmethod
    def _accept_retired(cls, data: Any) -> Any:
        return _without_retired(data, frozenset({"tumour_markers"}))


class Recist(_Frozen):
    # A best overall response of SD needs SD met at least this long after the first infusion (RECIST 1.1 section 4.4).
    stable_disease_min_days: int = 42
    min_measurable_mm: float = 10.0
    min_node_short_axis_mm: float = 15.0
    node_normal_short_axis_mm: float = 10.0
    max_target_lesions: int = 5
    max_target_lesions_per_organ: int = 2
    partial_response_decrease_percent: float = 30.0
    progression_increase_percent: float = 20.0
    progression_min_absolute_mm: float = 5.0


class FollowUp(_Frozen):
    interval_weeks: int = 12
    window_days: int = 7
    duration_months: int = 24  # measured from the first infusion
    # Death or progression after this many missed assessments is censored (FDA 2018, PFS censoring table).
    missed_assessments_censoring_death: int = 2


class Screening(_Frozen):
    reminder_after_days: int = 14
    escalate_after_days: int = 28


class Baseline(_Frozen):
    max_days_before_first_infusion: int = 28  # every baseline assessment, counted back from infusion 1
    reminder_after_days: int = 14


class Biopsy(_Frozen):
    book_within_days_of_eligibility: int = 14


class SaeClocks(_Frozen):
    sponsor_notification_hours: int = 24
    susar_fatal_or_life_threatening_days: int = 7
    susar_other_days: int = 15


class ThreePlusThree(_Frozen):
    """The 3+3-style rule: a fixed DLT count stops the first cohorts; beyond them, a fraction does."""

    cohorts_max_evaluable: int = 6  # the first cohorts: up to this many evaluable participants
    cohorts_stopping_dlts: int = 2  # this many DLTs within the first cohorts stop the trial
    beyond_stop_above_one_in: int = 3  # beyond the first cohorts, more than one DLT in this many stops


class SafetyStopping(_Frozen):
    rule: StoppingRule = StoppingRule.BOIN_ELIMINATION
    target_toxicity: float = 0.30
    prior_alpha: float = 1.0
    prior_beta: float = 1.0
    posterior_cutoff: float = 0.95
    min_evaluable: int = 3  # no rule stops the trial with fewer evaluable participants
    three_plus_three: ThreePlusThree = ThreePlusThree()


class MeasuredOutcomes(_Frozen):
    """Immune function (the protocol's fourth primary outcome) and the tumour markers, followed as
    values with their change from baseline: which lab codes, in the order they are shown."""

    immune_panel: tuple[LabCode, ...] = (
        LabCode.NK_CD56_CD3NEG,
        LabCode.NK_CD56_CD3NEG_PERCENT,
        LabCode.T_CD3,
        LabCode.T_CD3_PERCENT,
        LabCode.T_CD4,
        LabCode.T_CD4_PERCENT,
        LabCode.T_CD8,
        LabCode.T_CD8_PERCENT,
        LabCode.B_CD19,
        LabCode.B_CD19_PERCENT,
    )
    cytokines: tuple[LabCode, ...] = (LabCode.IFN_GAMMA, LabCode.TNF_ALPHA, LabCode.IL_6, LabCode.IL_10)
    tumour_markers: tuple[LabCode, ...] = (LabCode.CA15_3, LabCode.CEA)

    @property
    def codes(self) -> tuple[LabCode, ...]:
        return (*self.immune_panel, *self.cytokines, *self.tumour_markers)


class TemperatureRange(_Frozen):
    min_c: float
    max_c: float

    def contains(self, low: float, high: float) -> bool:
        return self.min_c <= low and high <= self.max_c


class Custody(_Frozen):
    """Chain of custody: the temperatures each stage keeps, how long a thawed bag lasts."""

    # A fresh skin biopsy travels cold, not frozen.
    fresh_specimen_c: TemperatureRange = TemperatureRange(min_c=2.0, max_c=8.0)
    # The cryopreserved product stays in the vapour phase of liquid nitrogen until thawed.
    cryopreserved_product_c: TemperatureRange = TemperatureRange(min_c=-196.0, max_c=-150.0)
    # Minutes a logger may read out of range before the unit goes on quality hold.
    max_minutes_out_of_range: int = 0
    max_minutes_since_thaw: int = 60
    product_shelf_life_days: int = 365
    # Bags a participant's product may be re-made from the banked iPSC line after discards
    # (0: the protocol does not allow it, and a discarded bag's infusion is not replaced).
    max_bag_remanufactures: int = 1


class ProtocolConfig(_Frozen):
    """One protocol version. Load amendments from a file; never edit in place."""

    trial_id: str = "IRCT20200429047241N1"
    version: str = "itc-1.0"
    target_enrolment: int = 32
    eligibility: EligibilityCriteria = EligibilityCriteria()
    reference_ranges: ReferenceRanges = ReferenceRanges()
    screening: Screening = Screening()
    baseline: Baseline = Baseline()
    biopsy: Biopsy = Biopsy()
    manufacturing: Manufacturing = Manufacturing()
    dosing: Dosing = Dosing()
    infusions: Infusions = Infusions()
    dlt: DltDefinition = DltDefinition()
    response: ResponseAssessment = ResponseAssessment()
    recist: Recist = Recist()
    follow_up: FollowUp = FollowUp()
    sae: SaeClocks = SaeClocks()
    safety_stopping: SafetyStopping = SafetyStopping()
    outcomes: MeasuredOutcomes = MeasuredOutcomes()
    custody: Custody = Custody()

    @model_validator(mode="before")
    @classmethod
    def _accept_retired(cls, data: Any) -> Any:
        return _without_retired(data, frozenset({"baseline_tumour_markers"}))


DEFAULT_PROTOCOL = ProtocolConfig()
