from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    SCREENING = "screening"
    BASELINE = "baseline"
    BIOPSY = "biopsy"
    MANUFACTURING = "manufacturing"
    INFUSION = "infusion"
    RESPONSE_ASSESSMENT = "response_assessment"
    FOLLOW_UP = "follow_up"
    COMPLETED = "completed"
    SCREEN_FAILED = "screen_failed"
    OFF_STUDY = "off_study"
    WITHDRAWN = "withdrawn"
    DECEASED = "deceased"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STAGES


TERMINAL_STAGES = frozenset({Stage.COMPLETED, Stage.SCREEN_FAILED, Stage.OFF_STUDY, Stage.WITHDRAWN, Stage.DECEASED})


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class ReceptorStatus(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    UNKNOWN = "unknown"


class MetastasisSite(StrEnum):
    LYMPH_NODE = "lymph_node"
    LUNG = "lung"
    LIVER = "liver"
    BONE = "bone"
    OTHER = "other"


class Milestone(StrEnum):
    BIOPSY_RECEIVED = "biopsy_received"
    FIBROBLASTS_EXPANDED = "fibroblasts_expanded"
    IPSC_LINE_ESTABLISHED = "ipsc_line_established"
    IPSC_QC_PASSED = "ipsc_qc_passed"
    NK_DIFFERENTIATION_COMPLETE = "nk_differentiation_complete"
    PRODUCT_RELEASE_QC = "product_release_qc"


class AeCategory(StrEnum):
    HAEMATOLOGICAL = "haematological"
    NON_HAEMATOLOGICAL = "non_haematological"
    CRS = "crs"
    ICANS = "icans"


class Attribution(StrEnum):
    UNRELATED = "unrelated"
    UNLIKELY = "unlikely"
    POSSIBLE = "possible"
    PROBABLE = "probable"
    DEFINITE = "definite"

    @property
    def at_least_possibly_related(self) -> bool:
        return self in (Attribution.POSSIBLE, Attribution.PROBABLE, Attribution.DEFINITE)


class ScanKind(StrEnum):
    BASELINE = "baseline"
    RESPONSE = "response"
    CONFIRMATION = "confirmation"
    FOLLOW_UP = "follow_up"


class ResponseCategory(StrEnum):
    CR = "CR"
    PR = "PR"
    SD = "SD"
    PD = "PD"
    NE = "NE"


class DecisionKind(StrEnum):
    RE_BIOPSY = "re_biopsy"
    OFF_STUDY = "off_study"
    CONTINUE_MANUFACTURING = "continue_manufacturing"
    SAE_REPORTED_TO_SPONSOR = "sae_reported_to_sponsor"
    SUSAR_REPORTED = "susar_reported"
    # After quality discards a bag: re-make it from the banked iPSC line, go on without its
    # infusion, or give no more infusions.
    REMANUFACTURE_BAG = "remanufacture_bag"
    SKIP_INFUSION = "skip_infusion"
    STOP_INFUSIONS = "stop_infusions"


class SaeClockFamily(StrEnum):
    SPONSOR = "sponsor"
    SUSAR = "susar"


class SaeClockKind(StrEnum):
    """An SAE reporting clock. The values are the names journeys have always recorded (kept so
    carried state and old histories still read); the durations come from the protocol."""

    SPONSOR = "sponsor_24h"
    SUSAR_FATAL_OR_LIFE_THREATENING = "susar_7d"
    SUSAR_OTHER = "susar_15d"

    @property
    def family(self) -> SaeClockFamily:
        """One report closes every clock of a family, and an AE has at most one clock per family."""
        return SaeClockFamily.SPONSOR if self is SaeClockKind.SPONSOR else SaeClockFamily.SUSAR


class Recipient(StrEnum):
    SITE_STAFF = "site_staff"
    SUPERVISOR = "supervisor"
    SPONSOR = "sponsor"
    SAFETY_MONITOR = "safety_monitor"
    MANUFACTURING_LAB = "manufacturing_lab"
    QUALITY = "quality"


class AppointmentKind(StrEnum):
    BIOPSY = "biopsy"
    INFUSION = "infusion"
    CT_SCAN = "ct_scan"
    FOLLOW_UP_VISIT = "follow_up_visit"


class EventType(StrEnum):
    CONSENT_RECORDED = "ConsentRecorded"
    LABS_ORDERED = "LabsOrdered"
    LAB_RESULTS_RECORDED = "LabResultsRecorded"
    ELIGIBILITY_ASSESSMENT_RECORDED = "EligibilityAssessmentRecorded"
    ELIGIBILITY_CONFIRMED = "EligibilityConfirmed"
    SCREEN_FAILED = "ScreenFailed"
    SCAN_RECORDED = "ScanRecorded"
    BASELINE_COMPLETED = "BaselineCompleted"
    APPOINTMENT_BOOKED = "AppointmentBooked"
    APPOINTMENTS_CANCELLED = "AppointmentsCancelled"
    MANUFACTURING_SLOT_RESERVED = "ManufacturingSlotReserved"
    MANUFACTURING_SLOT_QUEUED = "ManufacturingSlotQueued"
    MANUFACTURING_SLOT_RELEASED = "ManufacturingSlotReleased"
    BIOPSY_COLLECTED = "BiopsyCollected"
    MANUFACTURING_MILESTONE_RECORDED = "ManufacturingMilestoneRecorded"
    MANUFACTURING_MILESTONE_OVERDUE = "ManufacturingMilestoneOverdue"
    MANUFACTURING_DEADLINE_PASSED = "ManufacturingDeadlinePassed"
    MANUFACTURING_FAILED = "ManufacturingFailed"
    PRODUCT_RELEASED = "ProductReleased"
    SUPERVISOR_DECISION_RECORDED = "SupervisorDecisionRecorded"
    DOSE_PLANNED = "DosePlanned"
    INFUSION_DUE = "InfusionDue"
    INFUSION_HELD = "InfusionHeld"
    INFUSION_REPLANNED = "InfusionReplanned"
    INFUSION_SKIPPED = "InfusionSkipped"
    INFUSION_HOLD_RELEASED = "InfusionHoldReleased"
    INFUSION_ADMINISTERED = "InfusionAdministered"
    INFUSIONS_DISCONTINUED = "InfusionsDiscontinued"
    TOXICITY_CHECK_DUE = "ToxicityCheckDue"
    TOXICITY_CHECK_COMPLETED = "ToxicityCheckCompleted"
    TOXICITY_CHECK_MISSED = "ToxicityCheckMissed"
    ADVERSE_EVENT_RECORDED = "AdverseEventRecorded"
    DLT_DETECTED = "DltDetected"
    DLT_WINDOW_COMPLETED = "DltWindowCompleted"
    SAE_CLOCK_STARTED = "SaeClockStarted"
    SAE_CLOCK_ESCALATED = "SaeClockEscalated"
    SAE_CLOCK_ACKNOWLEDGED = "SaeClockAcknowledged"
    RESPONSE_ASSESSED = "ResponseAssessed"
    RESPONSE_CONFIRMED = "ResponseConfirmed"
    RESPONSE_NOT_CONFIRMED = "ResponseNotConfirmed"
    FOLLOW_UP_ASSESSMENT_DUE = "FollowUpAssessmentDue"
    FOLLOW_UP_ASSESSMENT_RECORDED = "FollowUpAssessmentRecorded"
    FOLLOW_UP_ASSESSMENT_MISSED = "FollowUpAssessmentMissed"
    PROGRESSION_DOCUMENTED = "ProgressionDocumented"
    NEW_ANTICANCER_THERAPY_RECORDED = "NewAnticancerTherapyRecorded"
    PFS_DETERMINED = "PfsDetermined"
    PROTOCOL_DEVIATION_RECORDED = "ProtocolDeviationRecorded"
    ESCALATION_RAISED = "EscalationRaised"
    WITHDRAWAL_RECORDED = "WithdrawalRecorded"
    DEATH_RECORDED = "DeathRecorded"
    TRIAL_PAUSE_CHANGED = "TrialPauseChanged"
    ACTION_REFUSED = "ActionRefused"
    # Holds the sequence of an event the store refused as invalid data, with an escaped copy of it.
    EVENT_NOT_STORED = "EventNotStored"
    STAGE_CHANGED = "StageChanged"
    JOURNEY_ENDED = "JourneyEnded"
    CHAIN_OF_IDENTITY_ASSIGNED = "ChainOfIdentityAssigned"
    UNIT_LABELLED = "UnitLabelled"
    CUSTODY_HANDOFF_RECORDED = "CustodyHandoffRecorded"
    UNIT_QUALITY_HOLD = "UnitQualityHold"
    QUALITY_DECISION_RECORDED = "QualityDecisionRecorded"
    CHAIN_OF_IDENTITY_INCIDENT = "ChainOfIdentityIncident"
    BEDSIDE_VERIFICATION_RECORDED = "BedsideVerificationRecorded"
