"""Realistic event streams for the event-store benchmarks: one real journey's events
(from the time-skipping run), re-keyed to as many participants as needed."""

from __future__ import annotations

from collections.abc import Iterator

from itc.models.enums import EventType
from itc.models.events import JourneyEvent


def rekey(template: list[JourneyEvent], participant_id: str, upto: int | None = None) -> list[JourneyEvent]:
    changes = {"participant_id": participant_id, "workflow_id": f"journey-{participant_id}"}
    return [event.model_copy(update=changes) for event in template[:upto]]


def stage_cut_points(template: list[JourneyEvent]) -> list[int]:
    """Prefix lengths that leave a participant at the end of each stage the journey passed
    through, once each: everything up to the next stage change, or the whole journey."""
    changes = [index for index, event in enumerate(template) if event.type is EventType.STAGE_CHANGED]
    return [*changes[1:], len(template)]


def batches(events: list[JourneyEvent], size: int) -> Iterator[list[JourneyEvent]]:
    for start in range(0, len(events), size):
        yield events[start : start + size]
