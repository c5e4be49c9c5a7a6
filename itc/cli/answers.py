"""What the reading commands print of the API's answers: each model holds the fields a command
prints and ignores the rest. The journey's and the trial's own models (`JourneyStatus`,
`TrialStatus`) reference the input models, whose building is most of a command's start-up; a
staff machine reading a status needs none of their rules, only the answer the API checked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from itc.models.enums import Milestone, ResponseCategory, SaeClockKind, Stage


class _Answer(BaseModel):
    # Built at first use: one command reads one answer, and need not build the others' models.
    model_config = ConfigDict(extra="ignore", defer_build=True)


class DueLine(_Answer):
    label: str
    due_at: datetime
    window_start: datetime | None = None
    window_end: datetime | None = None


class MilestoneLine(_Answer):
    milestone: Milestone
    expected_by: datetime | None = None
    occurred_at: datetime | None = None
    overdue_escalated: bool = False


class AdverseEventLine(_Answer):
    ae_id: str
    term: str
    grade: int
    is_dlt: bool = False


class SaeClockLine(_Answer):
    ae_id: str
    clock: SaeClockKind
    due_at: datetime


class UnstoredLine(_Answer):
    sequence: int
    type: str
    sqlstate: str
    refused_at: datetime


class JourneyStatusAnswer(_Answer):
    """`GET /api/journeys/{participant}` (a `JourneyStatus`), as `itc status` prints it and
    `itc record` states what followed from an action."""

    participant_id: str
    site: str
    protocol_version: str
    stage: Stage
    stage_entered_at: datetime | None
    next_due: list[DueLine]
    infusions_given: int
    infusions_discontinued: bool
    open_adverse_events: list[AdverseEventLine]
    worst_ae_grade: int
    dlt: bool
    dlt_description: str | None
    # Printed as their flat fields, as the API gave them.
    dose_plan: dict[str, Any] | None
    biopsy_attempts: int
    manufacturing_milestones: list[MilestoneLine]
    awaiting_supervisor_decision: bool
    open_sae_clocks: list[SaeClockLine]
    response: ResponseCategory | None
    confirmed_response: ResponseCategory | None
    pfs: dict[str, Any] | None
    end_reason: str | None
    failed_criteria: list[str]
    deviations: list[str]
    trial_paused: bool = False
    trial_pause_reason: str | None = None
    last_sequence: int
    run_count: int
    unstored_events: list[UnstoredLine] = Field(default_factory=list)


class TrialClockLine(_Answer):
    participant_id: str
    ae_id: str
    clock: str
    due_at: datetime
    status: str


class TrialDecisionLine(_Answer):
    at: datetime
    actor: str
    action: str
    reason: str


class TrialStatusAnswer(_Answer):
    """`GET /api/trial` (a `TrialStatus`), as `itc trial status` prints it."""

    trial_id: str
    protocol_version: str
    enrolled: int
    target: int
    evaluable: int
    dlts: int
    stopping_rule: str
    boundary: int | None
    paused: bool
    pause_reason: str | None
    open_sae_clocks: list[TrialClockLine]
    decisions: list[TrialDecisionLine]
