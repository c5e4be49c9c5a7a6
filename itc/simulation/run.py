"""One simulation run: the time-skipping server, a fresh event store, the worker, the
participants' fates and the driver; what it returns is everything the report needs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from itc.eventstore.database import create_pool
from itc.models.state import JourneyStatus
from itc.rules.config import ProtocolConfig
from itc.simulation.clock import SimClock, days, midnight
from itc.simulation.dice import Dice
from itc.simulation.driver import Driver
from itc.simulation.environment import (
    fresh_database,
    simulation_worker,
    time_skipping_server,
)
from itc.simulation.fate import Fate
from itc.simulation.journey_reader import SimulationStuck
from itc.simulation.parameters import SimulationParameters
from itc.simulation.participant import Refusal, SimParticipant
from itc.simulation.progress import Progress
from itc.simulation.services import SimulatedServices
from itc.simulation.slots import SimulatedSlots

EVENT_COLUMNS = "participant_id, sequence, type, payload, occurred_at, recorded_at, actor"


@dataclass
class SimulationRun:
    params: SimulationParameters
    protocol: ProtocolConfig
    start: datetime
    participants: list[SimParticipant]
    final: dict[str, JourneyStatus]
    services: SimulatedServices
    events: list[dict[str, Any]]
    database_dsn: str | None = None  # set when the database was kept
    refusals: list[tuple[str, Refusal]] = field(default_factory=list)


def arrivals(params: SimulationParameters, start: datetime) -> list[datetime]:
    """Arrival moments spread at random over the recruitment period, in order."""
    stream = Dice(params.seed, "trial").stream("arrivals")
    period = params.recruitment_weeks * 7
    return sorted(start + days(stream.uniform(0, period)) for _ in range(params.participants))


async def run_simulation(
    params: SimulationParameters,
    protocol: ProtocolConfig,
    server_dsn: str,
    progress: Progress | None = None,
    keep_database: bool = False,
) -> SimulationRun:
    progress = progress or Progress()
    progress.total = params.participants
    start = midnight(params.start_date)
    participants = [SimParticipant(Fate(params, i + 1, at)) for i, at in enumerate(arrivals(params, start))]
    services = SimulatedServices(slots=SimulatedSlots(slots_per_week=params.capacity.manufacturing_slots))
    # The database first: a server that cannot give us one should fail before anything starts.
    async with fresh_database(server_dsn, keep=keep_database) as dsn, time_skipping_server() as env:
        pool = await create_pool(dsn, min_size=2, max_size=8)
        try:
            task_queue = f"itc-simulation-{uuid.uuid4().hex[:8]}"
            async with simulation_worker(env.client, task_queue, pool, services):
                clock = SimClock(env)
                if await clock.now() > start:
                    raise SimulationStuck(
                        f"start_date {params.start_date} is already past on the simulation clock "
                        f"({(await clock.now()).date()}); the clock only moves forward, so choose a later start_date"
                    )
                await clock.advance_to(start)
                driver = Driver(env.client, clock, protocol, task_queue, progress)
                await driver.run(participants)
                final = await driver.final_states(participants)
            events = await read_events(pool)
        finally:
            await pool.close()
        return SimulationRun(
            params=params,
            protocol=protocol,
            start=start,
            participants=participants,
            final=final,
            services=services,
            events=events,
            database_dsn=dsn if keep_database else None,
            refusals=[(p.participant_id, r) for p in participants for r in p.refusals],
        )


async def read_events(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(f"SELECT {EVENT_COLUMNS} FROM journey_events ORDER BY participant_id, sequence")
    return [dict(row) for row in rows]
