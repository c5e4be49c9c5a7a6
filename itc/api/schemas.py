"""Response shapes of the HTTP API that are not already journey_models (for the OpenAPI spec)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from itc.models.events import JourneyEvent
from itc.models.roles import SignatureMeaning
from itc.people.signing import SignatureView


class StartedJourney(BaseModel):
    participant_id: str
    workflow_id: str
    protocol_version: str
    temporal_ui: str | None = None


class ParticipantSummary(BaseModel):
    """One row of the participant_status read model (it holds no PHI)."""

    participant_id: str
    site: str | None = None
    stage: str | None = None
    stage_entered_at: datetime | None = None
    protocol_version: str
    consented_at: datetime | None = None
    consent_date: date | None = None
    infusions_given: int = 0
    worst_ae_grade: int = 0
    dlt: bool = False
    next_due_at: datetime | None = None
    next_due_action: str | None = None
    biopsy_attempts: int = 0
    response: str | None = None
    pfs_days: int | None = None
    end_reason: str | None = None
    last_sequence: int = 0
    updated_at: datetime | None = None


class AuditEvent(JourneyEvent):
    """An event as stored in the permanent record, with the date of birth masked, and its
    electronic signatures, each verified against this event (21 CFR 11.50, 11.70)."""

    # What the recorder's signature means when the event carries one; None when it carries none.
    signature_required: SignatureMeaning | None = None
    signatures: list[SignatureView] = Field(default_factory=list)
