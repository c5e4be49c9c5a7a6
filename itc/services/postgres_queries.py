"""SQL behind the PostgreSQL-backed default services.

Infusion chairs (per day) and manufacturing slots (per week) are booked and freed the same way,
so the statements that only differ by table and column are built once.
"""


def _taken_per(period: str, count_as: str, table: str, scope: str, status: str) -> str:
    """How many are taken in each period of [$2, $3] for one chair kind or site ($1)."""
    return f"""
SELECT {period}, count(*) AS {count_as} FROM {table}
WHERE {scope} = $1 AND status = '{status}' AND {period} BETWEEN $2 AND $3
GROUP BY {period}
"""


def _claim_compensation(table: str, count: str) -> str:
    """Claim a cancellation's or release's key before acting, so a concurrent retry waits for it."""
    return f"""
INSERT INTO {table} (idempotency_key, participant_id, {count})
VALUES ($1, $2, 0)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING idempotency_key
"""


def _record_compensation(table: str, count: str) -> str:
    return f"UPDATE {table} SET {count} = $2 WHERE idempotency_key = $1"


INSERT_NOTIFICATION = """
INSERT INTO notification_outbox
    (notification_id, idempotency_key, participant_id, recipient, kind, subject, body, urgent)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING notification_id
"""
SELECT_NOTIFICATION_BY_KEY = "SELECT notification_id FROM notification_outbox WHERE idempotency_key = $1"

INSERT_LAB_ORDER = """
INSERT INTO lab_orders (order_id, idempotency_key, participant_id, codes, purpose, due_by)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING order_id
"""
SELECT_LAB_ORDER_BY_KEY = "SELECT order_id FROM lab_orders WHERE idempotency_key = $1"

SELECT_APPOINTMENT_BY_KEY = "SELECT appointment_id, kind, day FROM appointments WHERE idempotency_key = $1"
SELECT_CAPACITY = "SELECT per_day FROM resource_capacity WHERE kind = $1"
BOOKED_PER_DAY = _taken_per("day", "booked", "appointments", "kind", "booked")
# One lock per (kind, day): bookings for different days never wait on each other,
# and a transaction only ever holds one of these, so they cannot deadlock.
LOCK_DAY = "SELECT pg_advisory_xact_lock(hashtextextended('appointments:' || $1::text || ':' || $2::date::text, 0))"
COUNT_BOOKED_ON_DAY = "SELECT count(*) FROM appointments WHERE kind = $1 AND day = $2 AND status = 'booked'"
INSERT_APPOINTMENT = """
INSERT INTO appointments (appointment_id, idempotency_key, participant_id, kind, day)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING appointment_id, kind, day
"""

CLAIM_CANCELLATION = _claim_compensation("appointment_cancellations", "cancelled")
SELECT_CANCELLATION = "SELECT cancelled FROM appointment_cancellations WHERE idempotency_key = $1"
CANCEL_BOOKED = """
UPDATE appointments SET status = 'cancelled', cancelled_at = now(), cancel_reason = $2
WHERE participant_id = $1 AND status = 'booked'
RETURNING appointment_id
"""
RECORD_CANCELLATION_COUNT = _record_compensation("appointment_cancellations", "cancelled")

# Manufacturing slots (010_manufacturing_slots.sql).
SELECT_SLOTS_PER_WEEK = "SELECT slots_per_week FROM manufacturing_capacity WHERE site = $1"
_RESERVATION = "reservation_id, participant_id, window_earliest, window_latest, week_start, slot_number"
SELECT_RESERVATION_BY_KEY = f"SELECT {_RESERVATION} FROM manufacturing_slot_reservations WHERE idempotency_key = $1"
SELECT_HELD_BY_PARTICIPANT = (
    f"SELECT {_RESERVATION} FROM manufacturing_slot_reservations WHERE participant_id = $1 AND status = 'reserved'"
)
HELD_SLOT_NUMBERS = """
SELECT slot_number FROM manufacturing_slot_reservations
WHERE site = $1 AND week_start = $2 AND status = 'reserved'
"""
# No conflict target: a slot already held (the partial unique index), a participant already
# holding one, or the same key from a concurrent retry all leave the row unwritten.
INSERT_RESERVATION = f"""
INSERT INTO manufacturing_slot_reservations
    (reservation_id, idempotency_key, participant_id, window_earliest, window_latest, site, week_start, slot_number)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING
RETURNING {_RESERVATION}
"""
CLAIM_SLOT_RELEASE = _claim_compensation("manufacturing_slot_releases", "released")
SELECT_SLOT_RELEASE = "SELECT participant_id, released FROM manufacturing_slot_releases WHERE idempotency_key = $1"
RELEASE_HELD_SLOT = """
UPDATE manufacturing_slot_reservations SET status = 'released', released_at = now(), release_reason = $2
WHERE participant_id = $1 AND status = 'reserved'
RETURNING reservation_id
"""
RELEASE_MOVED_SLOT = """
UPDATE manufacturing_slot_reservations SET status = 'released', released_at = now(), release_reason = $3
WHERE reservation_id = $1 AND participant_id = $2 AND status = 'reserved'
"""
RECORD_SLOT_RELEASE = _record_compensation("manufacturing_slot_releases", "released")
HELD_PER_WEEK = _taken_per("week_start", "held", "manufacturing_slot_reservations", "site", "reserved")
