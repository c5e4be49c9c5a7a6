"""One line of a journey's timeline: what the journey's state keeps and its timeline query
answers. A module of its own, free of the input models, so that reading a timeline (the
command line's `itc timeline`) does not build them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class TimelineEntry(BaseModel):
    sequence: int
    type: str
    occurred_at: datetime
    actor: str
    summary: str
    corrects_sequence: int | None = None
