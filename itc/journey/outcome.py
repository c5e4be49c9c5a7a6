"""What a core call returns: the events it recorded, the commands it asks for, the next deadline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from itc.journey.commands import Command
from itc.models.events import JourneyEvent
from itc.models.inputs import ActionAccepted


@dataclass
class Outcome:
    events: list[JourneyEvent] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    # The next moment the caller should look again, when the call sets one.
    wake_at: datetime | None = None


@dataclass(kw_only=True)
class ActionOutcome(Outcome):
    """A staff action applied: what it recorded, and the answer for the person who took it."""

    accepted: ActionAccepted
