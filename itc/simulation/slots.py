"""The simulated manufacturing site: a fixed number of slots a week, held and freed like the real service's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from itc.models.slots import ReleasedSlot, ReleaseSlotInput, ReserveSlotInput, SlotReservation, WeekSlots, week_of
from itc.services.errors import IdempotencyConflict, NoCapacityError

WEEK = timedelta(days=7)


@dataclass
class Hold:
    reservation_id: str
    participant_id: str
    week_start: date
    slot_number: int
    request: ReserveSlotInput
    released: bool = False


@dataclass
class SimulatedSlots:
    """`slots_per_week` is the site's capacity (`capacity.manufacturing_slots` in the parameters)."""

    slots_per_week: int
    holds: list[Hold] = field(default_factory=list)
    _by_key: dict[str, Hold] = field(default_factory=dict)
    _releases: dict[str, tuple[str, int]] = field(default_factory=dict)

    async def reserve_slot(self, request: ReserveSlotInput) -> SlotReservation:
        seen = self._by_key.get(request.idempotency_key)
        if seen is not None:
            if seen.request != request:
                raise IdempotencyConflict("this reservation key was used for another participant or window")
            return _answer(seen, duplicate=True)
        held = self._held_by(request.participant_id)
        if held is not None and held.reservation_id == request.moving_from:
            # A move: the old slot is free to the search, and held again if no week has room.
            held.released = True
            try:
                return self._reserve_new(request)
            except NoCapacityError:
                held.released = False
                raise
        if held is not None:
            return _answer(held, duplicate=True)
        return self._reserve_new(request)

    def _reserve_new(self, request: ReserveSlotInput) -> SlotReservation:
        week = week_of(request.earliest)
        while week <= week_of(request.latest):
            taken = {h.slot_number for h in self.holds if h.week_start == week and not h.released}
            free = [n for n in range(self.slots_per_week) if n not in taken]
            if free:
                hold = Hold(f"SLOT-{len(self.holds) + 1:05d}", request.participant_id, week, free[0], request)
                self.holds.append(hold)
                self._by_key[request.idempotency_key] = hold
                return _answer(hold, duplicate=False)
            week += WEEK
        raise NoCapacityError("no manufacturing slot free in the window")

    async def release_slot(self, request: ReleaseSlotInput) -> ReleasedSlot:
        seen = self._releases.get(request.idempotency_key)
        if seen is not None:
            if seen[0] != request.participant_id:
                raise IdempotencyConflict("this release key was used for another participant")
            return ReleasedSlot(released=seen[1], duplicate=True)
        held = self._held_by(request.participant_id)
        if held is not None:
            held.released = True
        self._releases[request.idempotency_key] = (request.participant_id, int(held is not None))
        return ReleasedSlot(released=int(held is not None))

    async def weeks_ahead(self, first_week: date, weeks: int) -> list[WeekSlots]:
        start = week_of(first_week)
        return [
            WeekSlots(
                week_start=start + WEEK * i,
                capacity=self.slots_per_week,
                reserved=sum(1 for h in self.holds if h.week_start == start + WEEK * i and not h.released),
            )
            for i in range(weeks)
        ]

    def _held_by(self, participant_id: str) -> Hold | None:
        return next((h for h in self.holds if h.participant_id == participant_id and not h.released), None)


def _answer(hold: Hold, *, duplicate: bool) -> SlotReservation:
    return SlotReservation(
        reservation_id=hold.reservation_id,
        week_start=hold.week_start,
        slot_number=hold.slot_number,
        duplicate=duplicate,
    )
