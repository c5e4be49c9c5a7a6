"""Models of the trial-level workflow: enrolment, DLT outcomes, the pause, SAE clocks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from itc.models.inputs import ActorId, Code, ConsentRecord, ParticipantId, Reason
from itc.models.roles import Role
from itc.rules.config import DEFAULT_PROTOCOL, ProtocolConfig
from itc.rules.stopping import StoppingDecision


def trial_workflow_id(trial_id: str) -> str:
    return f"trial-{trial_id}"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# "<key id>:<hex HMAC>", set by the sending worker (itc.crypto.signal_macs); optional so that
# signals recorded before it existed still decode.
SignalMacField = Annotated[
    str | None, Field(default=None, max_length=140, pattern=r"^[A-Za-z0-9._-]{1,64}:[0-9a-f]{64}$")
]
# The journey's count of its reports to the trial, under the MAC: the trial accepts each
# journey's reports in increasing order only, so a captured report sent again is refused.
# Optional so that reports recorded before it existed still decode.
ReportSequenceField = Annotated[int | None, Field(default=None, ge=1)]


class EnrolParticipantInput(_Input):
    consent: ConsentRecord
    # The version the journey starts under; amendments reach new journeys this way. The whole
    # configuration travels only for a version the trial does not know yet (it refuses the
    # enrolment with UnknownProtocolVersion, and the sender repeats it with the configuration).
    protocol_version: str | None = None
    protocol: ProtocolConfig | None = None
    request_id: Code | None = None


class EnrolmentAccepted(BaseModel):
    participant_id: str
    workflow_id: str
    enrolled: int
    target: int


class RecordDltOutcomeInput(_Input):
    """Sent by a journey once it is DLT-evaluable: a DLT, or the DLT window completed without one."""

    participant_id: ParticipantId
    dlt: bool
    description: str | None = Field(default=None, max_length=300)
    report_sequence: ReportSequenceField = None
    signal_mac: SignalMacField = None


class RecordSaeClockInput(_Input):
    participant_id: ParticipantId
    ae_id: Code
    clock: Code
    due_at: datetime
    status: str = Field(pattern="^(open|escalated|acknowledged)$")
    report_sequence: ReportSequenceField = None
    signal_mac: SignalMacField = None


class ResumeTrialInput(_Input):
    actor_id: ActorId
    role: Role | None = None  # optional only so that earlier histories decode; validators require it
    reason: Reason


class SetTrialPauseInput(_Input):
    """Sent by the trial to each journey when enrolment and infusions pause or resume."""

    paused: bool
    reason: str = Field(max_length=500)
    # The trial's count of its pause decisions, under the MAC: a journey accepts them in
    # increasing order only, so a captured pause sent again after a resume is refused.
    # Optional so that pauses recorded before it existed still decode.
    pause_sequence: ReportSequenceField = None
    signal_mac: SignalMacField = None


class _TrialReport(_Input):
    """Activity input of a journey's report to its trial, delivered with signal-with-start.

    It names the protocol version only: a trial that must be started for the report gets the
    configuration from the versions the worker knows. Reports recorded before carried the
    whole configuration, so `protocol` stays readable for them.
    """

    trial_workflow_id: str
    protocol_version: str | None = None
    protocol: ProtocolConfig | None = None


class ReportDltOutcomeInput(_TrialReport):
    outcome: RecordDltOutcomeInput


class ReportSaeClockInput(_TrialReport):
    clock: RecordSaeClockInput


class DltOutcome(BaseModel):
    participant_id: str
    dlt: bool
    description: str | None = None
    reported_at: datetime


class TrialDecision(BaseModel):
    at: datetime
    actor: str
    action: str
    reason: str


class RefusedSignal(BaseModel):
    """A signal only a worker may send, ignored because it carried no valid MAC."""

    at: datetime
    signal: str
    problem: str


class TrialState(BaseModel):
    protocol: ProtocolConfig
    # Amendments learnt from enrolments, by version: each configuration reaches the trial once.
    amendments: dict[str, ProtocolConfig] = Field(default_factory=dict)
    enrolled: dict[str, datetime] = Field(default_factory=dict)  # participant -> enrolled at
    outcomes: dict[str, DltOutcome] = Field(default_factory=dict)
    paused: bool = False
    pause_reason: str | None = None
    last_decision: StoppingDecision | None = None
    sae_clocks: dict[str, RecordSaeClockInput] = Field(default_factory=dict)  # "<pid>/<ae>/<clock>"
    decisions: list[TrialDecision] = Field(default_factory=list)
    refused_signals: list[RefusedSignal] = Field(default_factory=list)
    # Replay protection: per participant, the highest report sequence accepted; and what each
    # accepted unnumbered report (from a journey recorded before reports were numbered) said.
    report_sequences: dict[str, int] = Field(default_factory=dict)
    unnumbered_reports: list[str] = Field(default_factory=list)
    # Signals ignored so far, which numbers each one's audit record.
    signals_refused: int = 0
    run_count: int = 1


class StartTrialInput(_Input):
    protocol: ProtocolConfig = DEFAULT_PROTOCOL
    carried_state: TrialState | None = None


class TrialStatus(BaseModel):
    trial_id: str
    protocol_version: str
    enrolled: int
    target: int
    participants: list[str]
    evaluable: int
    dlts: int
    stopping_rule: str
    boundary: int | None
    decision: str | None
    paused: bool
    pause_reason: str | None
    open_sae_clocks: list[RecordSaeClockInput]
    decisions: list[TrialDecision]
    refused_signals: list[RefusedSignal] = Field(default_factory=list)
