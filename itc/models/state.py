"""The whole journey in one model: it is what continue-as-new carries forward."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from itc.models.custody import ProductUnit
from itc.models.enums import (
    AeCategory,
    Attribution,
    Milestone,
    ResponseCategory,
    SaeClockKind,
    ScanKind,
    Stage,
)
from itc.models.inputs import (
    ConsentRecord,
    LabObservation,
    RecordEligibilityAssessmentInput,
    ReleaseQcResult,
    TargetLesion,
)
from itc.models.slots import ManufacturingSlotState
from itc.models.timeline import TimelineEntry
from itc.rules.config import DEFAULT_PROTOCOL, ProtocolConfig
from itc.rules.dose import DosePlan
from itc.rules.lab_catalogue import LabCode
from itc.rules.outcome_change import MarkerSeries
from itc.rules.pfs import PfsResult
from itc.rules.recist_overall import NonTargetStatus


class DueAction(BaseModel):
    action: str
    label: str
    due_at: datetime
    window_start: datetime | None = None
    window_end: datetime | None = None


class MilestoneRecord(BaseModel):
    milestone: Milestone
    expected_by: datetime | None = None
    occurred_at: datetime | None = None
    succeeded: bool | None = None
    overdue_escalated: bool = False


class BiopsyAttempt(BaseModel):
    attempt: int
    started_at: datetime
    collect_by: datetime
    collection_escalated: bool = False
    sample_id: str | None = None
    collected_at: datetime | None = None
    milestones: list[MilestoneRecord] = Field(default_factory=list)
    manufacturing_deadline: datetime | None = None
    deadline_escalated: bool = False
    failed: bool = False
    failure_code: str | None = None
    release_qc: ReleaseQcResult | None = None


class InfusionRecord(BaseModel):
    number: int
    target_at: datetime
    window_start: datetime
    window_end: datetime
    administered_at: datetime | None = None
    cells_administered: float | None = None
    prepared: bool = False
    window_escalated: bool = False
    held_since: datetime | None = None
    hold_reason: str | None = None
    # Not to be given: its bag was discarded and the supervisor decided to go on without it.
    skipped: bool = False
    # Moved later for a re-made bag: where it was on the schedule before.
    replanned_from: datetime | None = None


class ToxicityCheck(BaseModel):
    infusion_number: int
    day: int
    due_at: datetime
    window_end: datetime
    ordered: bool = False
    completed_at: datetime | None = None
    missed: bool = False


class SeriousnessChange(BaseModel):
    """What the site knew of an event's seriousness from `known_at` on (ICH E2A III.A)."""

    known_at: datetime
    serious: bool
    fatal_or_life_threatening: bool
    # Unexpected and at least possibly related, so a SUSAR; None in records from before this was kept.
    susar: bool | None = None


class AdverseEventRecord(BaseModel):
    ae_id: str
    term: str
    category: AeCategory
    grade: int
    attribution: Attribution
    serious: bool
    unexpected: bool
    onset_at: datetime
    resolved_at: datetime | None = None
    is_dlt: bool = False
    recorded_sequence: int
    dlt_checked_for_duration: bool = False
    seriousness_changes: list[SeriousnessChange] = Field(default_factory=list)
    # The clause of the standard that gave the grade; None for grades entered by hand or recorded earlier.
    grade_clause: str | None = None


class SaeClock(BaseModel):
    ae_id: str
    clock: SaeClockKind
    started_at: datetime
    due_at: datetime
    acknowledged_at: datetime | None = None
    escalated_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None


class RecordedMeasurement(BaseModel):
    """One immune-function or tumour-marker value, with the lab event that recorded it."""

    sequence: int
    code: LabCode
    collected_at: datetime
    value: float


class ScanRecord(BaseModel):
    sequence: int
    kind: ScanKind
    scanned_at: datetime
    target_lesions: list[TargetLesion]
    sum_mm: float
    response: ResponseCategory | None = None
    non_target_status: NonTargetStatus | None = None
    new_lesions: bool = False


class FollowUpCycle(BaseModel):
    cycle: int
    due_at: datetime
    window_start: datetime
    window_end: datetime
    opened: bool = False
    assessed_at: datetime | None = None
    missed: bool = False
    response: ResponseCategory | None = None


class UnstoredEvent(BaseModel):
    """An event the event store refused as invalid data; its sequence holds an EventNotStored instead."""

    sequence: int
    type: str
    sqlstate: str
    refused_at: datetime


class HistoryGuard(BaseModel):
    """When a run's history is big enough to continue as new, whatever the stage: an engine
    setting, not a clinical number. Temporal warns at 10,240 events or 10 MB and terminates a
    run at 51,200 events or 50 MB; continue-as-new is also taken whenever Temporal suggests it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_events: int = Field(default=8_000, ge=10)
    max_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)


class JourneyState(BaseModel):
    consent: ConsentRecord
    protocol: ProtocolConfig
    stage: Stage = Stage.SCREENING
    stage_entered_at: datetime | None = None
    stage_entered_sequence: int = 0
    # When each stage was first entered (journeys from before this was kept lack the earlier ones).
    stages_entered_at: dict[str, datetime] = Field(default_factory=dict)
    started_at: datetime | None = None
    last_sequence: int = 0
    run_count: int = 1
    history_guard: HistoryGuard = Field(default_factory=HistoryGuard)
    # The stage entry (its sequence) whose opening orders and bookings were made, so a run that
    # continues as new in the middle of a stage does not make them again.
    stage_begun_sequence: int | None = None
    # When the history guard last continued the journey as new mid-stage: deadlines up to then were handled.
    guard_continued_at: datetime | None = None
    # Reports sent to the trial so far: each report carries its number (replay protection).
    trial_reports_sent: int = 0
    # request_id -> sequence it produced, so a retried staff action is applied once.
    applied_requests: dict[str, int] = Field(default_factory=dict)
    # request_id -> digest of the Update, actor and content it carried, so a reuse with other
    # content is refused rather than answered "already recorded" (empty for older journeys).
    request_fingerprints: dict[str, str] = Field(default_factory=dict)

    # Grade labs, CRS and ICANS by CTCAE v5 with its baseline clauses and the full ASTCT consensus
    # (patch full-toxicity-grading); journeys started before it keep the earlier reading.
    full_toxicity_grading: bool = False

    # Chain of identity and custody (patch chain-of-custody); journeys started before it have none.
    chain_of_custody: bool = False
    chain_of_identity: str | None = None
    units: list[ProductUnit] = Field(default_factory=list)
    # Bags quality discarded whose replacement the supervisor has yet to decide (patch bag-discard-decision).
    bags_awaiting_decision: list[str] = Field(default_factory=list)
    # How many discarded bags were re-made from the banked line.
    bags_remanufactured: int = 0

    # Screening and baseline
    labs: dict[str, LabObservation] = Field(default_factory=dict)
    # Per lab code, the screening result CTCAE's baseline clauses grade later results against.
    lab_baselines: dict[str, LabObservation] = Field(default_factory=dict)
    measurements: list[RecordedMeasurement] = Field(default_factory=list)
    eligibility_assessment: RecordEligibilityAssessmentInput | None = None
    failed_criteria: list[str] = Field(default_factory=list)
    eligible_at: datetime | None = None
    baseline_completed_at: datetime | None = None

    # Biopsy and manufacturing
    biopsies: list[BiopsyAttempt] = Field(default_factory=list)
    awaiting_decision: bool = False
    released_at: datetime | None = None
    # The manufacturing slot reserved at eligibility and released if the run will not happen.
    manufacturing_slot: ManufacturingSlotState = Field(default_factory=ManufacturingSlotState)

    # Treatment
    dose_plan: DosePlan | None = None
    infusions: list[InfusionRecord] = Field(default_factory=list)
    infusions_discontinued: bool = False
    discontinuation_reason: str | None = None
    toxicity_checks: list[ToxicityCheck] = Field(default_factory=list)
    adverse_events: list[AdverseEventRecord] = Field(default_factory=list)
    haematological_grade4_since: dict[str, datetime] = Field(default_factory=dict)
    dlt: bool = False
    dlt_description: str | None = None
    dlt_window_ends_at: datetime | None = None
    dlt_window_closed: bool = False
    sae_clocks: list[SaeClock] = Field(default_factory=list)

    # Response and follow-up
    scans: list[ScanRecord] = Field(default_factory=list)
    response_due_at: datetime | None = None
    response_prepared: bool = False
    response_scan_missed: bool = False
    response: ResponseCategory | None = None
    response_scan_at: datetime | None = None
    confirmation_due_at: datetime | None = None
    confirmed_response: ResponseCategory | None = None
    follow_up: list[FollowUpCycle] = Field(default_factory=list)
    follow_up_ends_at: datetime | None = None
    progression_at: datetime | None = None
    new_therapy_started_at: datetime | None = None
    pfs: PfsResult | None = None

    # Trial-wide safety pause, set by the trial workflow
    trial_paused: bool = False
    trial_pause_reason: str | None = None
    # The latest numbered pause decision applied (0: none yet), so a repeat is refused.
    trial_pause_sequence: int = 0

    # Ending
    withdrawn_at: datetime | None = None
    died_at: datetime | None = None
    off_study_reason: str | None = None
    end_reason: str | None = None
    deviations: list[str] = Field(default_factory=list)
    unstored_events: list[UnstoredEvent] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)

    @property
    def participant_id(self) -> str:
        return self.consent.participant_id

    @property
    def current_biopsy(self) -> BiopsyAttempt | None:
        return self.biopsies[-1] if self.biopsies else None

    @property
    def infusions_given(self) -> int:
        return sum(1 for infusion in self.infusions if infusion.administered_at is not None)

    @property
    def first_infusion_at(self) -> datetime | None:
        return self.infusions[0].administered_at if self.infusions else None

    @property
    def baseline_scan(self) -> ScanRecord | None:
        baselines = [scan for scan in self.scans if scan.kind is ScanKind.BASELINE]
        return baselines[-1] if baselines else None


class StartJourneyInput(BaseModel):
    """The workflow's one input: the consent record and the protocol version; on continue-as-new
    the journey so far instead, which holds the protocol (so it travels once)."""

    model_config = ConfigDict(extra="forbid")

    consent: ConsentRecord
    # None only on continue-as-new. Inputs of runs from before that change carry it twice; both decode.
    protocol: ProtocolConfig | None = DEFAULT_PROTOCOL
    carried_state: JourneyState | None = None
    # A new journey's history guard; a continuing one carries its own in the state.
    history_guard: HistoryGuard | None = None

    @model_validator(mode="after")
    def _protocol_or_carried_state(self) -> StartJourneyInput:
        if self.protocol is None and self.carried_state is None:
            raise ValueError("a new journey needs its protocol")
        return self

    def journey_state(self) -> JourneyState:
        """The state this run starts from: the carried journey, or a new one."""
        if self.carried_state is not None:
            return self.carried_state
        assert self.protocol is not None
        state = JourneyState(consent=self.consent, protocol=self.protocol)
        if self.history_guard is not None:
            state.history_guard = self.history_guard
        return state

    @classmethod
    def continuing(cls, state: JourneyState) -> StartJourneyInput:
        return cls(consent=state.consent, protocol=None, carried_state=state)


class JourneyStatus(BaseModel):
    """What `get_state` returns: everything a supervisor needs, nothing derived twice."""

    participant_id: str
    site: str
    protocol_version: str
    stage: Stage
    stage_entered_at: datetime | None
    next_due: list[DueAction]
    infusions_given: int
    infusions: list[InfusionRecord]
    infusions_discontinued: bool
    open_adverse_events: list[AdverseEventRecord]
    worst_ae_grade: int
    dlt: bool
    dlt_description: str | None
    dose_plan: DosePlan | None
    biopsy_attempts: int
    manufacturing_milestones: list[MilestoneRecord]
    awaiting_supervisor_decision: bool
    open_sae_clocks: list[SaeClock]
    response: ResponseCategory | None
    confirmed_response: ResponseCategory | None
    pfs: PfsResult | None
    end_reason: str | None
    failed_criteria: list[str]
    deviations: list[str]
    trial_paused: bool
    trial_pause_reason: str | None
    last_sequence: int
    run_count: int
    # Immune function and tumour markers with their change from baseline.
    outcome_series: list[MarkerSeries] = Field(default_factory=list)
    # Events the store refused as invalid data (each escalated to the supervisor); empty normally.
    unstored_events: list[UnstoredEvent] = Field(default_factory=list)
    chain_of_identity: str | None = None
    units: list[ProductUnit] = Field(default_factory=list)
    # The manufacturing slot held, or since when the participant has queued for one.
    manufacturing_slot: ManufacturingSlotState = Field(default_factory=ManufacturingSlotState)
    bags_awaiting_decision: list[str] = Field(default_factory=list)
