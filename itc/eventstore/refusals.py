"""Refused staff actions, appended to `refused_actions` (migration 006) by the client that
was refused, and merged into the audit trail with the journey's events.

A refusal used to be signalled into the journey, where each one added a handful of events to
its Temporal history: enough refused requests would terminate the journey at the history
limit. Written here instead, a refusal costs the journey nothing, and the permanent record
still holds it with actor, role and message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

import asyncpg

from itc.base.logging import JOURNEY_ID_PREFIX
from itc.models.activity_inputs import RecordRefusedSignalInput
from itc.models.enums import EventType
from itc.models.events import JourneyEvent
from itc.models.inputs import RecordRefusedActionInput

INSERT_REFUSAL = """
INSERT INTO refused_actions
    (participant_id, update_name, actor, actor_role, request_id, refusal, message, refused_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
"""
EventT = TypeVar("EventT", bound=JourneyEvent)

# Once per audit key: the activity that writes it may be retried after a lost response.
INSERT_REFUSED_SIGNAL = """
INSERT INTO refused_actions
    (participant_id, update_name, actor, actor_role, request_id, refusal, message, refused_by)
SELECT $1, $2, 'unauthenticated', NULL, $3, $4, $5, 'worker'
WHERE NOT EXISTS (SELECT 1 FROM refused_actions WHERE participant_id = $1 AND request_id = $3)
"""
SELECT_REFUSALS_FOR = """
SELECT refusal_id, participant_id, update_name, actor, actor_role, request_id, refusal, message,
       refused_by, refused_at
FROM refused_actions WHERE participant_id = $1 ORDER BY refused_at, refusal_id
"""


class RefusalLog:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def record(self, participant_id: str, refusal: RecordRefusedActionInput) -> None:
        async with self._pool.acquire() as conn:
            await conn.execute(
                INSERT_REFUSAL,
                participant_id,
                refusal.update,
                refusal.actor_id,
                refusal.role.value if refusal.role else None,
                refusal.request_id,
                refusal.refusal,
                refusal.message,
                refusal.refused_by,
            )

    async def record_refused_signal(self, refused: RecordRefusedSignalInput) -> None:
        """A signal a workflow ignored, filed under the workflow that received it."""
        async with self._pool.acquire() as conn:
            await conn.execute(
                INSERT_REFUSED_SIGNAL,
                refused.workflow_id,
                refused.signal,
                refused.audit_key,
                refused.refusal,
                refused.problem,
            )

    async def for_participant(self, participant_id: str) -> list[asyncpg.Record]:
        async with self._pool.acquire() as conn:
            return list(await conn.fetch(SELECT_REFUSALS_FOR, participant_id))


def refusal_event(row: asyncpg.Record, follows: int) -> JourneyEvent:
    """A refusal as the audit trail shows it: an ActionRefused entry numbered like the journey
    event it followed (refusals take no number of their own in the journey's sequence)."""
    refused_at: datetime = row["refused_at"]
    return JourneyEvent(
        participant_id=row["participant_id"],
        sequence=max(follows, 1),
        type=EventType.ACTION_REFUSED,
        payload={
            "update": row["update_name"],
            "refusal": row["refusal"],
            "message": row["message"],
            "refused_by": row["refused_by"],
            "request_id": row["request_id"],
            "refusal_id": row["refusal_id"],
        },
        occurred_at=refused_at,
        recorded_at=refused_at,
        actor=row["actor"],
        actor_role=row["actor_role"],
        request_id=row["request_id"],
        protocol_version="",
        workflow_id=f"{JOURNEY_ID_PREFIX}{row['participant_id']}",
        run_id="",
    )


def merged_trail(
    events: Sequence[EventT], refusals: Sequence[asyncpg.Record], entry: Callable[[JourneyEvent], EventT]
) -> list[EventT]:
    """The journey's events in sequence order, each refusal (made an entry by `entry`) placed
    after the last event recorded before it."""
    ordered = sorted(events, key=lambda e: e.sequence)
    trail: list[EventT] = []
    pending = list(refusals)
    for event in ordered:
        while pending and pending[0]["refused_at"] < event.recorded_at:
            trail.append(entry(refusal_event(pending.pop(0), trail[-1].sequence if trail else 1)))
        trail.append(event)
    follows = ordered[-1].sequence if ordered else 1
    trail.extend(entry(refusal_event(row, follows)) for row in pending)
    return trail
