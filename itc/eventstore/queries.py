"""SQL used by the event store and the rebuild, kept apart from the Python that calls it."""

from __future__ import annotations

from itc.eventstore.projection import STATUS_COLUMNS

EVENT_COLUMNS = (
    "participant_id, sequence, type, payload, occurred_at, recorded_at, actor, reason, "
    "corrects_sequence, request_id, protocol_version, workflow_id, run_id, actor_role"
)

# Serialises appends per participant: the read-model row is read, projected and
# written back, and two overlapping retries must not interleave those steps.
LOCK_PARTICIPANT = "SELECT pg_advisory_xact_lock(hashtextextended('journey:' || $1::text, 0))"

INSERT_EVENT = f"""
INSERT INTO journey_events ({EVENT_COLUMNS})
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (participant_id, sequence) DO NOTHING
RETURNING sequence
"""

SELECT_EVENT_TYPE_AND_PAYLOAD = """
SELECT type, payload FROM journey_events WHERE participant_id = $1 AND sequence = $2
"""

SELECT_EVENTS_FOR = f"""
SELECT {EVENT_COLUMNS} FROM journey_events WHERE participant_id = $1 ORDER BY sequence
"""

SELECT_ALL_EVENTS = f"""
SELECT {EVENT_COLUMNS} FROM journey_events ORDER BY participant_id, sequence
"""

_STATUS_SELECT_LIST = ", ".join((*STATUS_COLUMNS, "updated_at"))

SELECT_STATUS = f"SELECT {_STATUS_SELECT_LIST} FROM participant_status WHERE participant_id = $1"

SELECT_STATUS_FOR_UPDATE = SELECT_STATUS + " FOR UPDATE"

LIST_STATUS = f"""
SELECT {_STATUS_SELECT_LIST} FROM participant_status
WHERE ($1::text IS NULL OR stage = $1) AND ($2::text IS NULL OR site = $2)
ORDER BY participant_id
"""

_PLACEHOLDERS = ", ".join(f"${index}" for index in range(1, len(STATUS_COLUMNS) + 1))
_UPDATES = ", ".join(f"{column} = EXCLUDED.{column}" for column in STATUS_COLUMNS if column != "participant_id")

UPSERT_STATUS = f"""
INSERT INTO participant_status ({", ".join(STATUS_COLUMNS)}, updated_at)
VALUES ({_PLACEHOLDERS}, now())
ON CONFLICT (participant_id) DO UPDATE SET {_UPDATES}, updated_at = now()
"""

DELETE_ALL_STATUS = "DELETE FROM participant_status"

# Blocks appends (which take row locks on journey_events via INSERT) from
# committing half-way through a rebuild, so the rebuilt rows are a consistent cut.
LOCK_EVENTS_FOR_REBUILD = "LOCK TABLE journey_events IN SHARE MODE"
LOCK_STATUS_FOR_REBUILD = "LOCK TABLE participant_status IN EXCLUSIVE MODE"
