"""Append-only event store with the participant_status read model kept in step."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import asyncpg

from itc.eventstore import queries
from itc.eventstore.projection import STATUS_COLUMNS, apply_event, replay
from itc.eventstore.refusals import RefusalLog
from itc.models.activity_inputs import AppendEventsResult, RecordRefusedSignalInput
from itc.models.events import JourneyEvent


class EventSequenceConflict(RuntimeError):
    """A stored event already holds this (participant, sequence) with different content.

    A retry re-sends identical events; different content means two histories
    diverged (for example a workflow reset), and the permanent record must not
    silently keep one of them.
    """


class InvalidEvent(RuntimeError):
    """The database refused an event as invalid (e.g. a correction of a sequence that does not exist).

    Retrying the same event cannot succeed, so this is reported rather than retried.
    """


class EventRejected(InvalidEvent):
    """PostgreSQL refused one event as invalid data: which one, and the SQLSTATE that says why.

    The message names the participant, sequence, type and SQLSTATE only: the server's own message
    may quote the refused value, which can be PHI.
    """

    def __init__(self, event: JourneyEvent, sqlstate: str, constraint: str | None = None) -> None:
        self.sequence = event.sequence
        self.event_type = event.type.value
        self.sqlstate = sqlstate
        why = constraint or f"SQLSTATE {sqlstate}"
        super().__init__(f"{event.participant_id} event {event.sequence} ({event.type.value}) was refused: {why}")


# Refusals of the data itself, which no retry can change: data exceptions (class 22: a NUL or
# untranslatable character, a value out of range) and integrity violations (class 23).
_REFUSALS_OF_THE_DATA = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)


class EventStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @property
    def pool(self) -> asyncpg.Pool:
        """The store's database, which the built-in services (the manufacturing slots) share."""
        return self._pool

    async def append(self, events: list[JourneyEvent]) -> AppendEventsResult:
        """Insert new events and project them, all in one transaction."""
        by_participant: dict[str, list[JourneyEvent]] = defaultdict(list)
        for event in events:
            by_participant[event.participant_id].append(event)

        inserted = already_present = 0
        async with self._pool.acquire() as conn, conn.transaction():
            for participant_id in sorted(by_participant):
                batch = sorted(by_participant[participant_id], key=lambda e: e.sequence)
                new_events = await _insert_batch(conn, participant_id, batch)
                inserted += len(new_events)
                already_present += len(batch) - len(new_events)
                if new_events:
                    await _project(conn, participant_id, new_events)
        return AppendEventsResult(inserted=inserted, already_present=already_present)

    async def record_refused_signal(self, refused: RecordRefusedSignalInput) -> None:
        """Into the append-only refusals, beside refused staff actions."""
        await RefusalLog(self._pool).record_refused_signal(refused)

    async def events_for(self, participant_id: str) -> list[JourneyEvent]:
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(queries.SELECT_EVENTS_FOR, participant_id)
        return [event_from_row(row) for row in rows]

    async def status(self, participant_id: str) -> dict[str, Any] | None:
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(queries.SELECT_STATUS, participant_id)
        return dict(row) if row is not None else None

    async def list_status(self, stage: str | None = None, site: str | None = None) -> list[dict[str, Any]]:
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(queries.LIST_STATUS, stage, site)
        return [dict(row) for row in rows]


def event_from_row(row: asyncpg.Record) -> JourneyEvent:
    return JourneyEvent.model_validate(dict(row))


def event_to_args(event: JourneyEvent) -> tuple[Any, ...]:
    # mode="json" turns dates and enums inside the payload into JSON-native values.
    payload = event.model_dump(mode="json")["payload"]
    return (
        event.participant_id,
        event.sequence,
        event.type.value,
        payload,
        event.occurred_at,
        event.recorded_at,
        event.actor,
        event.reason,
        event.corrects_sequence,
        event.request_id,
        event.protocol_version,
        event.workflow_id,
        event.run_id,
        event.actor_role,
    )


def status_to_args(status: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(status[column] for column in STATUS_COLUMNS)


async def _insert_batch(conn: asyncpg.Connection, participant_id: str, batch: list[JourneyEvent]) -> list[JourneyEvent]:
    await conn.execute(queries.LOCK_PARTICIPANT, participant_id)
    new_events: list[JourneyEvent] = []
    for event in batch:
        args = event_to_args(event)
        try:
            inserted = await conn.fetchval(queries.INSERT_EVENT, *args)
        except _REFUSALS_OF_THE_DATA as err:
            raise EventRejected(event, err.sqlstate, getattr(err, "constraint_name", None)) from err
        if inserted is not None:
            new_events.append(event)
            continue
        stored = await conn.fetchrow(queries.SELECT_EVENT_TYPE_AND_PAYLOAD, participant_id, event.sequence)
        if stored["type"] != args[2] or stored["payload"] != args[3]:
            raise EventSequenceConflict(
                f"{participant_id} event {event.sequence} is already stored as {stored['type']} "
                f"with different content; refusing to record {event.type.value} over it"
            )
    return new_events


async def _project(conn: asyncpg.Connection, participant_id: str, new_events: list[JourneyEvent]) -> None:
    row = await conn.fetchrow(queries.SELECT_STATUS_FOR_UPDATE, participant_id)
    status = dict(row) if row is not None else None
    if status is not None and new_events[0].sequence <= status["last_sequence"]:
        # A gap was filled behind events already projected; replaying the whole
        # history keeps the row identical to what rebuild_projections would give.
        history = [event_from_row(r) for r in await conn.fetch(queries.SELECT_EVENTS_FOR, participant_id)]
        status = replay(history)
    else:
        for event in new_events:
            status = apply_event(status, event)
    assert status is not None
    await conn.execute(queries.UPSERT_STATUS, *status_to_args(status))
