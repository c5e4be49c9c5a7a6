from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from itc.models.enums import EventType


class JourneyEvent(BaseModel):
    """One business event, as appended to the permanent event store."""

    model_config = ConfigDict(extra="forbid")

    participant_id: str
    sequence: int = Field(ge=1)
    type: EventType
    payload: dict[str, Any] = Field(default_factory=dict)
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    actor_role: str | None = None  # None for system events and for events before roles
    reason: str | None = None
    corrects_sequence: int | None = None
    request_id: str | None = None
    protocol_version: str
    workflow_id: str
    run_id: str


SYSTEM_ACTOR = "system"


def escaped_copy(event: JourneyEvent) -> str:
    """Every field of the event as JSON in ASCII: a NUL or any other character the store refuses
    becomes a visible escape (\\u0000), which any column can hold."""
    return json.dumps(event.model_dump(mode="json"), ensure_ascii=True, sort_keys=True)
