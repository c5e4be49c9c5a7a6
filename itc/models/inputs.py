"""Inputs from staff and systems: the journey's start and every staff Update.

Field validators here check shape and plausibility only. Anything that depends
on the journey (order of steps, dates relative to now) is checked by the
workflow's update validators, because these models are also decoded inside the
deterministic workflow sandbox, where the wall clock is off limits.

Every string field is one of the `itc.models.text` types, so no control character or
bidirectional override reaches the record, and no float field takes NaN or infinity (JSON
has neither, but Python's parser reads `NaN` and `Infinity`, and a limit of infinity
would be stored as null).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from itc.models.enums import (
    AeCategory,
    Attribution,
    DecisionKind,
    MetastasisSite,
    Milestone,
    ReceptorStatus,
    ScanKind,
    Sex,
    Stage,
)
from itc.models.id_patterns import ACTOR_ID_PATTERN, CODE_PATTERN, PARTICIPANT_ID_PATTERN
from itc.models.roles import Role
from itc.models.text import MULTI_LINE, SINGLE_LINE, MultiLineText, SingleLineText
from itc.rules.crs import FeverMasking, OxygenDevice, Vasopressor
from itc.rules.icans import Consciousness, MotorFinding, RaisedIntracranialPressure, Seizure
from itc.rules.lab_catalogue import LAB_SPECS, Interpretation, LabCode
from itc.rules.plausibility import MAX_AGE_AT_CONSENT_YEARS, MIN_AGE_AT_CONSENT_YEARS, TRIAL_REGISTRATION_YEAR
from itc.rules.recist_overall import NonTargetStatus

MAX_REASON_CHARS = 500


def _require_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must include a time zone, e.g. 2026-03-01T09:30:00Z")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_require_utc)]
# Identifiers keep their strict patterns. The hygiene check, listed last, runs before them
# (a before-validator wraps all that precedes it), so a control character is named as such
# rather than as a pattern mismatch; listed first it would turn pydantic's own messages
# ("String should have at most 500 characters") into generic ones.
ParticipantId = Annotated[
    str, Field(pattern=PARTICIPANT_ID_PATTERN, examples=["ITC-007"]), BeforeValidator(SINGLE_LINE)
]
ActorId = Annotated[str, Field(pattern=ACTOR_ID_PATTERN, examples=["nurse.rahimi"]), BeforeValidator(SINGLE_LINE)]
Code = Annotated[str, Field(pattern=CODE_PATTERN), BeforeValidator(SINGLE_LINE)]
# Multi-line: the dashboard takes a reason in a textarea.
Reason = Annotated[str, Field(min_length=3, max_length=MAX_REASON_CHARS), BeforeValidator(MULTI_LINE)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class StaffAction(_Input):
    """What every staff action carries: who and in which role, an optional request ID and,
    for corrections, why."""

    actor_id: ActorId
    role: Role | None = Field(
        default=None,
        description="The role the actor acts in; the journey refuses actions outside it.",
    )
    request_id: Code | None = Field(default=None, description="Client-chosen ID so a network retry is applied once.")
    corrects_sequence: int | None = Field(
        default=None, ge=1, description="Sequence number of the earlier event this corrects."
    )
    reason: Reason | None = None

    @model_validator(mode="after")
    def _correction_needs_reason(self) -> StaffAction:
        if self.corrects_sequence is not None and self.reason is None:
            raise ValueError("a correction must give a reason")
        return self


def _after_trial_registration(value: date) -> date:
    # Whether the date is in the future depends on the clock, which the workflow sandbox may
    # not read: the start path and the API check that (`parse_consent`).
    if value.year < TRIAL_REGISTRATION_YEAR:
        raise ValueError(
            f"consent_date {value.isoformat()} is before the trial was registered ({TRIAL_REGISTRATION_YEAR}); "
            "check the year"
        )
    return value


class ConsentRecord(_Input):
    participant_id: ParticipantId
    consent_date: Annotated[date, AfterValidator(_after_trial_registration)]
    consent_form_version: Code
    date_of_birth: date
    sex: Sex
    height_cm: float = Field(ge=100, le=250)
    weight_kg: float = Field(ge=25, le=300)
    er_status: ReceptorStatus
    pr_status: ReceptorStatus
    her2_status: ReceptorStatus
    site: Code
    actor_id: ActorId
    # Optional only so that journeys started before roles existed still replay; enrolment requires it.
    role: Role | None = None

    @model_validator(mode="after")
    def _dob_before_consent(self) -> ConsentRecord:
        if self.date_of_birth >= self.consent_date:
            raise ValueError("date_of_birth must be before consent_date")
        return self

    @model_validator(mode="after")
    def _age_plausible(self) -> ConsentRecord:
        age = self.age_at_consent()
        if not MIN_AGE_AT_CONSENT_YEARS <= age <= MAX_AGE_AT_CONSENT_YEARS:
            raise ValueError(
                f"date_of_birth {self.date_of_birth.isoformat()} gives an age of {age} at consent, "
                f"outside the possible {MIN_AGE_AT_CONSENT_YEARS}-{MAX_AGE_AT_CONSENT_YEARS} years; check the year"
            )
        return self

    def age_at_consent(self) -> int:
        before_birthday = (self.consent_date.month, self.consent_date.day) < (
            self.date_of_birth.month,
            self.date_of_birth.day,
        )
        return self.consent_date.year - self.date_of_birth.year - int(before_birthday)


class LabObservation(_Input):
    code: LabCode
    value: float | None = None
    interpretation: Interpretation | None = None
    upper_limit_normal: float | None = Field(default=None, gt=0)
    lower_limit_normal: float | None = Field(default=None, ge=0)
    collected_at: AwareDatetime

    @model_validator(mode="after")
    def _value_matches_code(self) -> LabObservation:
        spec = LAB_SPECS[self.code]
        if spec.numeric:
            if self.value is None:
                raise ValueError(f"{self.code.value} needs a numeric value in {spec.unit}")
            if not (spec.min_value <= self.value <= spec.max_value):  # type: ignore[operator]
                raise ValueError(
                    f"{self.code.value} value {self.value} {spec.unit} is outside the possible range "
                    f"{spec.min_value}-{spec.max_value} {spec.unit}; check the units"
                )
        elif self.interpretation is None:
            raise ValueError(f"{self.code.value} needs an interpretation, not a number")
        return self

    @model_validator(mode="after")
    def _limits_plausible(self) -> LabObservation:
        spec = LAB_SPECS[self.code]
        for field, limit in (
            ("upper_limit_normal", self.upper_limit_normal),
            ("lower_limit_normal", self.lower_limit_normal),
        ):
            if limit is None:
                continue
            if spec.limit_range is None:
                raise ValueError(f"{field}: {self.code.value} is not a number, so it has no reference limit")
            low, high = spec.limit_range
            if not low <= limit <= high:
                raise ValueError(
                    f"{field} {limit} {spec.unit} for {self.code.value} is outside the possible reference limits "
                    f"{low:g}-{high:g} {spec.unit}; check the units"
                )
        upper, lower = self.upper_limit_normal, self.lower_limit_normal
        if upper is not None and lower is not None and lower >= upper:
            raise ValueError(f"lower_limit_normal {lower} must be below upper_limit_normal {upper}")
        return self


class RecordLabResultsInput(StaffAction):
    results: list[LabObservation] = Field(min_length=1, max_length=50)


class RecordEligibilityAssessmentInput(StaffAction):
    advanced_breast_cancer: bool
    progressed_on_chemo_or_radiotherapy: bool
    metastasis_count: int = Field(ge=0, le=100)
    metastasis_site: MetastasisSite | None = None
    metastasis_measurable: bool
    active_uncontrolled_infection: bool
    other_unrelated_cancer: bool
    assessed_at: AwareDatetime


class TargetLesion(_Input):
    lesion_id: Code
    organ: Code
    is_lymph_node: bool = False
    diameter_mm: float = Field(ge=0, le=500, description="Longest diameter; short axis for lymph nodes.")


class RecordScanResultInput(StaffAction):
    kind: ScanKind
    scanned_at: AwareDatetime
    target_lesions: list[TargetLesion] = Field(default_factory=list, max_length=20)
    new_lesions: bool = False
    unequivocal_non_target_progression: bool = False
    non_target_status: NonTargetStatus | None = Field(
        default=None,
        description=(
            "RECIST 1.1 non-target lesions: CR, non_CR_non_PD, PD or NE (not evaluated). Leave it out when the "
            "participant has no non-target lesions; on the baseline scan, non_CR_non_PD records that she has some."
        ),
    )

    @model_validator(mode="after")
    def _non_target_at_baseline(self) -> RecordScanResultInput:
        if self.kind is ScanKind.BASELINE and self.non_target_status not in (None, NonTargetStatus.NON_CR_NON_PD):
            raise ValueError("at baseline non_target_status is non_CR_non_PD (non-target lesions present) or omitted")
        if self.unequivocal_non_target_progression and self.non_target_status not in (None, NonTargetStatus.PD):
            raise ValueError("unequivocal_non_target_progression contradicts non_target_status; give PD")
        return self

    @model_validator(mode="after")
    def _unique_lesions(self) -> RecordScanResultInput:
        ids = [lesion.lesion_id for lesion in self.target_lesions]
        if len(ids) != len(set(ids)):
            raise ValueError("each target lesion_id may appear only once per scan")
        return self


class RecordBiopsyCollectedInput(StaffAction):
    sample_id: Code
    collected_at: AwareDatetime


class ReleaseQcResult(_Input):
    sterility_negative: bool
    mycoplasma_negative: bool
    endotoxin_eu_per_ml: float = Field(ge=0, le=10_000)
    viability_percent: float = Field(ge=0, le=100)
    cd56_cd3neg_purity_percent: float = Field(ge=0, le=100)
    viable_cells_total: float = Field(ge=0, le=1e13)
    dose_volume_ml: float | None = Field(
        default=None, gt=0, le=2000, description="One infusion's volume; the protocol's when omitted (USP <85> K/M)."
    )


class RecordManufacturingMilestoneInput(StaffAction):
    milestone: Milestone
    sample_id: Code
    occurred_at: AwareDatetime
    succeeded: bool = True
    failure_code: Code | None = None
    release_qc: ReleaseQcResult | None = None

    @model_validator(mode="after")
    def _release_needs_qc(self) -> RecordManufacturingMilestoneInput:
        if self.milestone is Milestone.PRODUCT_RELEASE_QC and self.succeeded and self.release_qc is None:
            raise ValueError("product_release_qc needs the release_qc results")
        if not self.succeeded and self.failure_code is None:
            raise ValueError("a failed milestone needs a failure_code")
        return self


class RecordInfusionAdministeredInput(StaffAction):
    # The upper bound is the protocol's infusion count, checked where the protocol is known.
    infusion_number: int = Field(ge=1)
    administered_at: AwareDatetime
    cells_administered: float = Field(gt=0, le=1e12)
    product_sample_id: Code


class CrsFindings(_Input):
    """What ASTCT grades CRS by (Lee et al. 2019). Records written before the full consensus
    carry a vasopressor count and two oxygen flags; they still decode and grade."""

    temperature_c: float = Field(ge=30, le=45, description="Highest temperature since the last assessment, °C.")
    fever_masked_by: list[FeverMasking] = Field(
        default_factory=list,
        max_length=len(FeverMasking),
        description="Therapy given for this CRS after its fever (antipyretic, tocilizumab, corticosteroid): "
        "fever is then no longer required to grade it.",
    )
    hypotension: bool = False
    vasopressor_kinds: list[Vasopressor] = Field(
        default_factory=list, max_length=6, description="Each vasopressor running; vasopressin counts apart."
    )
    vasopressors: int = Field(
        default=0, ge=0, le=10, description="Earlier records' vasopressor count; give vasopressor_kinds instead."
    )
    oxygen_device: OxygenDevice | None = None
    oxygen_l_per_min: float = Field(default=0, ge=0, le=100)
    oxygen_by_facemask: bool = Field(default=False, description="Earlier records' flag; give oxygen_device instead.")
    positive_pressure_ventilation: bool = Field(
        default=False, description="Earlier records' flag; give oxygen_device instead."
    )

    @model_validator(mode="after")
    def _coherent(self) -> CrsFindings:
        if self.vasopressor_kinds and not self.hypotension:
            raise ValueError("hypotension: vasopressor_kinds are given, so hypotension must be true")
        named = [v for v in self.vasopressor_kinds if v is not Vasopressor.OTHER]
        if len(named) != len(set(named)):
            raise ValueError("vasopressor_kinds: name each vasopressor once")
        if self.vasopressor_kinds and self.vasopressors not in (0, len(self.vasopressor_kinds)):
            raise ValueError(
                f"vasopressors: {self.vasopressors} does not match the {len(self.vasopressor_kinds)} "
                "vasopressor_kinds; give vasopressor_kinds alone"
            )
        if len(self.fever_masked_by) != len(set(self.fever_masked_by)):
            raise ValueError("fever_masked_by: name each therapy once")
        device = self.oxygen_device
        if device is not None:
            if self.oxygen_by_facemask and device is not OxygenDevice.FACEMASK:
                raise ValueError(
                    f"oxygen_by_facemask contradicts oxygen_device {device.value}; give oxygen_device alone"
                )
            if self.positive_pressure_ventilation and device is not OxygenDevice.POSITIVE_PRESSURE:
                raise ValueError(
                    f"positive_pressure_ventilation contradicts oxygen_device {device.value}; give oxygen_device alone"
                )
        if device is OxygenDevice.NASAL_CANNULA and self.oxygen_l_per_min == 0:
            raise ValueError("oxygen_l_per_min: a nasal cannula needs its flow in L/min")
        return self

    def vasopressors_running(self) -> list[Vasopressor]:
        """The named vasopressors, or an earlier record's count read as that many non-vasopressin agents."""
        return list(self.vasopressor_kinds) or [Vasopressor.OTHER] * self.vasopressors

    def hypotension_present(self) -> bool:
        # An earlier record may give a vasopressor count without the flag; vasopressors mean hypotension.
        return self.hypotension or bool(self.vasopressors_running())

    def oxygen_support(self) -> OxygenDevice | None:
        """The oxygen device; for earlier records, from their flags (a bare flow means nasal cannula)."""
        if self.oxygen_device is not None:
            return self.oxygen_device
        if self.positive_pressure_ventilation:
            return OxygenDevice.POSITIVE_PRESSURE
        if self.oxygen_by_facemask:
            return OxygenDevice.FACEMASK
        return OxygenDevice.NASAL_CANNULA if self.oxygen_l_per_min > 0 else None


class IcansFindings(_Input):
    """Each ASTCT ICANS domain (Lee et al. 2019); records written before the full consensus carry
    only the ICE score and two flags, and still decode and grade."""

    ice_score: int | None = Field(
        default=None, ge=0, le=10, description="ICE score 0-10; leave empty only if the patient is unarousable."
    )
    consciousness: Consciousness | None = Field(default=None, description="Depressed level of consciousness.")
    seizure: Seizure | None = None
    motor_findings: MotorFinding | None = None
    raised_intracranial_pressure: RaisedIntracranialPressure | None = Field(
        default=None, description="The most severe sign of raised intracranial pressure or cerebral oedema."
    )
    unarousable: bool = Field(default=False, description="Earlier records' flag; give consciousness instead.")
    seizure_over_5_minutes: bool = Field(default=False, description="Earlier records' flag; give seizure instead.")

    @model_validator(mode="after")
    def _coherent(self) -> IcansFindings:
        if self.unarousable and self.consciousness not in (None, Consciousness.UNAROUSABLE):
            raise ValueError(
                f"consciousness {self.consciousness.value} contradicts unarousable; give consciousness alone"
            )
        if self.seizure_over_5_minutes and self.seizure not in (None, Seizure.PROLONGED_OVER_5_MINUTES):
            raise ValueError(f"seizure {self.seizure.value} contradicts seizure_over_5_minutes; give seizure alone")
        level = self.level_of_consciousness()
        if self.ice_score is None and level is not Consciousness.UNAROUSABLE:
            raise ValueError("ice_score is required unless the patient is unarousable")
        if self.consciousness is Consciousness.UNAROUSABLE and self.ice_score:
            raise ValueError("ice_score: an unarousable patient cannot perform the ICE test; leave it empty")
        return self

    def level_of_consciousness(self) -> Consciousness:
        if self.consciousness is not None:
            return self.consciousness
        return Consciousness.UNAROUSABLE if self.unarousable else Consciousness.ALERT

    def seizure_finding(self) -> Seizure:
        if self.seizure is not None:
            return self.seizure
        return Seizure.PROLONGED_OVER_5_MINUTES if self.seizure_over_5_minutes else Seizure.NONE


class RecordAdverseEventInput(StaffAction):
    ae_id: Code | None = Field(default=None, description="Omit for a new AE; give it to update one.")
    term: Code = Field(description="CTCAE v5 term code, e.g. fever, nausea, neutropenia")
    category: AeCategory
    grade: int | None = Field(default=None, ge=1, le=5)
    crs: CrsFindings | None = None
    icans: IcansFindings | None = None
    attribution: Attribution
    serious: bool = False
    unexpected: bool = False
    onset_at: AwareDatetime
    resolved_at: AwareDatetime | None = None
    seriousness_known_at: AwareDatetime | None = Field(
        default=None,
        description=(
            "When the site first knew the event met its seriousness as recorded now (for example the day it "
            "became life-threatening); the reporting clocks run from it (ICH E2A III.A). Defaults to now."
        ),
    )

    @model_validator(mode="after")
    def _grade_source(self) -> RecordAdverseEventInput:
        if self.category is AeCategory.CRS and self.crs is None:
            raise ValueError("a CRS event needs the crs findings; the grade is derived by ASTCT")
        if self.category is AeCategory.ICANS and self.icans is None:
            raise ValueError("an ICANS event needs the icans findings; the grade is derived by ASTCT")
        if self.category in (AeCategory.HAEMATOLOGICAL, AeCategory.NON_HAEMATOLOGICAL) and self.grade is None:
            raise ValueError("grade (1-5, CTCAE v5) is required")
        if self.resolved_at is not None and self.resolved_at < self.onset_at:
            raise ValueError("resolved_at cannot be before onset_at")
        if self.seriousness_known_at is not None and self.seriousness_known_at < self.onset_at:
            raise ValueError("seriousness_known_at cannot be before onset_at")
        return self


class RecordNewAnticancerTherapyInput(StaffAction):
    therapy: Code = Field(description="The therapy started, as a code, e.g. capecitabine or radiotherapy")
    started_at: AwareDatetime = Field(description="When the new anticancer therapy started")


class RecordWithdrawalInput(StaffAction):
    withdrawn_at: AwareDatetime


class RecordDeathInput(StaffAction):
    died_at: AwareDatetime
    attribution: Attribution


class RecordSupervisorDecisionInput(StaffAction):
    decision: DecisionKind
    ae_id: Code | None = None
    reason: Reason  # a decision always says why

    @model_validator(mode="after")
    def _sae_decisions_name_the_ae(self) -> RecordSupervisorDecisionInput:
        if self.decision in (DecisionKind.SAE_REPORTED_TO_SPONSOR, DecisionKind.SUSAR_REPORTED) and not self.ae_id:
            raise ValueError(f"{self.decision.value} must name the ae_id it acknowledges")
        return self


class RecordRefusedActionInput(_Input):
    """A staff action refused for the actor's role, sent to the journey so the refusal joins
    the audit trail: a validator's refusal never reaches history on its own."""

    update: SingleLineText = Field(max_length=64, description="The Update (workflow method) that was refused.")
    actor_id: ActorId
    role: Role | None = None
    request_id: Code | None = None
    refusal: SingleLineText = Field(max_length=64, description="The rejection's name, e.g. RoleNotPermitted.")
    # Multi-line: a refusal message may list several problems, one a line.
    message: MultiLineText = Field(max_length=MAX_REASON_CHARS)
    refused_by: SingleLineText = Field(max_length=32, description="Which layer refused it: journey or api.")


class ActionAccepted(BaseModel):
    """What every accepted staff Update returns."""

    sequence: int
    stage: Stage
    message: str
