"""Manufacturing slots: the activity inputs and answers, and what a journey keeps of its slot.

A slot is one manufacturing run the site can start in a given week (weeks begin on Monday).
Idempotency keys are '<workflow id>:<event sequence>:<purpose>', as for every activity.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator


def week_of(day: date) -> date:
    """The Monday that starts `day`'s week."""
    return day - timedelta(days=day.weekday())


class _ActivityInput(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReserveSlotInput(_ActivityInput):
    idempotency_key: str
    participant_id: str
    # The first and last week (any day in it) the run may start in.
    earliest: date
    latest: date
    # The held reservation this one replaces (its week ended before the biopsy could be done):
    # the new slot is taken and this one freed together, so she never holds none nor two.
    moving_from: str | None = None

    @model_validator(mode="after")
    def _window_in_order(self) -> ReserveSlotInput:
        if self.latest < self.earliest:
            raise ValueError("latest is before earliest")
        return self


class SlotReservation(BaseModel):
    reservation_id: str
    week_start: date
    slot_number: int = Field(ge=0)
    duplicate: bool = False


class ReleaseSlotInput(_ActivityInput):
    idempotency_key: str
    participant_id: str
    reason: str


class ReleasedSlot(BaseModel):
    # 1 when a held slot was freed, 0 when the participant held none.
    released: int = Field(ge=0, le=1)
    duplicate: bool = False


class WeekSlots(BaseModel):
    """One week ahead as the dashboard shows it."""

    week_start: date
    capacity: int
    reserved: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.reserved)


class HeldSlot(BaseModel):
    reservation_id: str
    week_start: date
    slot_number: int
    reserved_at: datetime


class ManufacturingSlotState(BaseModel):
    """The journey's side of the saga: the slot it holds, or how long it has queued for one."""

    # Journeys enrolled before slots were tracked never reserve one (workflow.patched).
    adopted: bool = False
    held: HeldSlot | None = None
    queued_since: datetime | None = None
    # How many times the journey has asked; part of each reservation's idempotency key.
    requests: int = 0
    # The wait from eligibility to the reservation, once reserved after a queue.
    waited_days: int | None = None
