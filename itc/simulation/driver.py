"""The discrete-event loop that drives every journey of the trial.

Time skipping is global to the server, so participants cannot each be driven by their own
sleeping coroutine: one queue holds every participant's next actions, the clock jumps to
the earliest, the action is recorded through the same Updates the CLI sends, and that
participant's settled status is read back to plan what comes next.
"""

from __future__ import annotations

import heapq
import itertools
from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio.client import Client

from itc.base.errors import UpdateRejected, UserFacingError
from itc.drivers.staff_actions import acting_in_role
from itc.models.inputs import ActionAccepted
from itc.models.state import JourneyStatus
from itc.rules.config import ProtocolConfig
from itc.runtime.journeys import record, start_journey
from itc.simulation.actions import SiteActions
from itc.simulation.clock import SimClock
from itc.simulation.journey_reader import JourneyReader, SimulationStuck
from itc.simulation.participant import Refusal, SimParticipant
from itc.simulation.progress import Progress
from itc.simulation.site import Planned, plan

# Beyond the last arrival, no journey can still be running after this long.
HORIZON_AFTER_LAST_ARRIVAL = timedelta(days=6 * 366)


class Driver:
    def __init__(
        self, client: Client, clock: SimClock, protocol: ProtocolConfig, task_queue: str, progress: Progress
    ) -> None:
        self.client, self.clock, self.protocol, self.task_queue, self.progress = (
            client,
            clock,
            protocol,
            task_queue,
            progress,
        )
        self.actions = SiteActions(self._send, protocol)
        self.reader = JourneyReader(client)
        self._queue: list[tuple[datetime, int, int, int, Planned]] = []
        self._order = itertools.count()

    def _push(self, index: int, p: SimParticipant, item: Planned) -> None:
        heapq.heappush(self._queue, (item.at, index, next(self._order), p.generation, item))

    async def run(self, participants: list[SimParticipant]) -> None:
        for index, p in enumerate(participants):
            self._push(index, p, Planned(p.fate.arrival, "enrol", "enrol"))
        horizon = max(p.fate.arrival for p in participants) + HORIZON_AFTER_LAST_ARRIVAL
        while self._queue:
            at, index, _, generation, item = heapq.heappop(self._queue)
            p = participants[index]
            if generation != p.generation:
                continue  # superseded by a later plan
            if at > horizon:
                stuck = ", ".join(f"{q.participant_id} ({q.stage})" for q in participants if not q.finished)
                raise SimulationStuck(
                    f"Journeys still open {HORIZON_AFTER_LAST_ARRIVAL.days} days after the last arrival: {stuck}"
                )
            await self.clock.advance_to(at)
            was_finished = p.finished
            refusals_before = len(p.refusals)
            if item.kind == "enrol":
                await self._enrol(p, at)
            else:
                # Whatever the clock's jump set off for this journey finishes first, so the
                # Update meets the same state on every run.
                await self._refresh(p, at)
                await self.actions.perform(p, item)
            if len(p.refusals) > refusals_before:
                p.refused_keys[item.key] = p.refused_keys.get(item.key, 0) + 1
            p.generation += 1
            if not p.enrolled:
                continue
            await self._refresh(p, at)
            if p.finished and not was_finished:
                self.progress.participant_finished(
                    p.participant_id, at, p.status.stage.value if p.status else "not enrolled"
                )
            for planned in plan(p, at, self.protocol):
                self._push(index, p, planned)

    async def _enrol(self, p: SimParticipant, at: datetime) -> None:
        try:
            await start_journey(self.client, p.fate.consent, self.protocol, self.task_queue)
        except UserFacingError as refusal:
            # The trial can refuse (enrolment cap, paused by the stopping rule): an outcome, not a crash.
            p.enrolment_refused = refusal.message
            p.refusals.append(Refusal(at, "enrolment", refusal.message))
            if "paused" in refusal.message.lower():
                p.paused_since = at
            self.progress.refused(p.participant_id, at, "enrolment", refusal.message)
            self.progress.participant_finished(p.participant_id, at, "not enrolled")
            return
        p.enrolled = True
        self.progress.enrolled(p.participant_id, at)

    async def _send(self, p: SimParticipant, update: str, payload: BaseModel, at: datetime) -> ActionAccepted | None:
        try:
            return await record(self.client, p.participant_id, update, acting_in_role(update, payload))
        except UpdateRejected as refusal:
            p.refusals.append(Refusal(at, update, refusal.message))
            if "paused" in refusal.message.lower() and p.paused_since is None:
                p.paused_since = at
            self.progress.refused(p.participant_id, at, update, refusal.message)
            return None

    async def _refresh(self, p: SimParticipant, at: datetime) -> None:
        old = p.status
        p.status = await self.reader.settled_status(p.participant_id)
        if old is None or old.stage is not p.status.stage:
            entered = p.status.stage_entered_at or at
            self.progress.stage_changed(
                p.participant_id, old.stage.value if old else None, p.status.stage.value, entered
            )
        # New AEs get their IDs from the workflow; match them by the event that recorded them.
        for ae in p.status.open_adverse_events:
            recorded = p.unlinked_aes.pop(ae.recorded_sequence, None)
            if recorded is not None:
                p.open_aes[ae.ae_id] = recorded
        p.unlinked_aes.clear()

    async def final_states(self, participants: list[SimParticipant]) -> dict[str, JourneyStatus]:
        """Each journey's own final status, as its run returned it."""
        return {p.participant_id: await self.reader.final_status(p.participant_id) for p in participants if p.enrolled}
