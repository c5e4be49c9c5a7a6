"""The simulator's side of one participant: the fate, the last status read back, and what
the site did that the journey's status does not show (sample IDs, scan sizes, AE inputs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from itc.models.enums import Stage
from itc.models.inputs import RecordAdverseEventInput
from itc.models.state import JourneyStatus
from itc.simulation.fate import Fate, Toxicity


@dataclass
class Refusal:
    at: datetime
    update: str
    message: str


@dataclass
class RecordedAe:
    toxicity: Toxicity
    request: RecordAdverseEventInput
    resolves_at: datetime


@dataclass
class SimParticipant:
    fate: Fate
    status: JourneyStatus | None = None
    enrolled: bool = False
    enrolment_refused: str | None = None
    # Bumped on every re-plan, so actions planned before it are dropped from the queue.
    generation: int = 0
    biopsy_collected_at: dict[int, datetime] = field(default_factory=dict)
    nadir_mm: float | None = None
    last_mm: float | None = None
    progression_at: datetime | None = None
    # Sequence of the AdverseEventRecorded event -> what was recorded, until its AE ID is known.
    unlinked_aes: dict[int, RecordedAe] = field(default_factory=dict)
    open_aes: dict[str, RecordedAe] = field(default_factory=dict)
    # When the simulator first noticed something it reacts to later (a decision, a re-planned
    # infusion): plans measured from here stay put across re-plans.
    first_seen: dict[str, datetime] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)
    refused_keys: dict[str, int] = field(default_factory=dict)
    paused_since: datetime | None = None

    @property
    def participant_id(self) -> str:
        return self.fate.participant_id

    @property
    def stage(self) -> Stage | None:
        return self.status.stage if self.status else None

    @property
    def finished(self) -> bool:
        return self.enrolment_refused is not None or (self.status is not None and self.status.stage.is_terminal)

    def seen(self, key: str, now: datetime) -> datetime:
        return self.first_seen.setdefault(key, now)
