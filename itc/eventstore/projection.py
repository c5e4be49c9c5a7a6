"""The participant_status read model, computed from events alone.

Pure on purpose: the incremental path (EventStore.append) and the full replay
(rebuild_projections) call the same function, so they cannot drift apart.

Only whitelisted, non-PHI payload keys are read. ConsentRecorded carries date of
birth and measurements; they stay in the event store and never reach this row.

A missing or malformed payload value leaves its column unchanged rather than
raising: the projection runs inside the append transaction, and a read-model
problem must never stop an event reaching the permanent record.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from itc.models.enums import EventType
from itc.models.events import JourneyEvent

STATUS_COLUMNS: tuple[str, ...] = (
    "participant_id",
    "site",
    "stage",
    "stage_entered_at",
    "protocol_version",
    "consented_at",
    "consent_date",
    "infusions_given",
    "worst_ae_grade",
    "ae_grades",
    "dlt",
    "next_due_at",
    "next_due_action",
    "biopsy_attempts",
    "response",
    "pfs_days",
    "end_reason",
    "last_sequence",
)

_UNPARSEABLE = object()

_RESPONSE_EVENTS = frozenset(
    {EventType.RESPONSE_ASSESSED, EventType.RESPONSE_CONFIRMED, EventType.RESPONSE_NOT_CONFIRMED}
)


def empty_status(participant_id: str, protocol_version: str) -> dict[str, Any]:
    return {
        "participant_id": participant_id,
        "site": None,
        "stage": None,
        "stage_entered_at": None,
        "protocol_version": protocol_version,
        "consented_at": None,
        "consent_date": None,
        "infusions_given": 0,
        "worst_ae_grade": 0,
        "ae_grades": {},
        "dlt": False,
        "next_due_at": None,
        "next_due_action": None,
        "biopsy_attempts": 0,
        "response": None,
        "pfs_days": None,
        "end_reason": None,
        "last_sequence": 0,
    }


def apply_event(status: dict[str, Any] | None, event: JourneyEvent) -> dict[str, Any]:
    """Return the next status row; the input dict is never mutated."""
    if status is None:
        row = empty_status(event.participant_id, event.protocol_version)
    else:
        row = {column: status.get(column) for column in STATUS_COLUMNS}
        row["ae_grades"] = dict(status.get("ae_grades") or {})
    if row["participant_id"] != event.participant_id:
        raise ValueError(f"event for {event.participant_id} applied to the status of {row['participant_id']}")

    payload = event.payload
    # Amendments patched into a running journey show up on later events.
    row["protocol_version"] = event.protocol_version
    row["last_sequence"] = max(row["last_sequence"] or 0, event.sequence)

    match event.type:
        case EventType.STAGE_CHANGED:
            if payload.get("to"):
                row["stage"] = str(payload["to"])
                row["stage_entered_at"] = event.occurred_at
        case EventType.CONSENT_RECORDED:
            row["site"] = payload.get("site", row["site"])
            row["consent_date"] = _as_date(payload.get("consent_date"), row["consent_date"])
            row["consented_at"] = event.occurred_at
        case EventType.INFUSION_ADMINISTERED:
            # max, not +1: a correction re-records the same infusion number.
            row["infusions_given"] = max(row["infusions_given"], _int(payload, "infusion_number") or 0)
        case EventType.ADVERSE_EVENT_RECORDED:
            _record_ae_grade(row, event)
        case EventType.DLT_DETECTED:
            row["dlt"] = True
        case EventType.BIOPSY_COLLECTED:
            row["biopsy_attempts"] = max(row["biopsy_attempts"], _int(payload, "attempt") or 0)
        case EventType.PFS_DETERMINED:
            if _int(payload, "days") is not None:
                row["pfs_days"] = _int(payload, "days")
        case EventType.JOURNEY_ENDED:
            row["end_reason"] = payload.get("reason")
            # Nothing is due once the journey has ended, whatever the payload says.
            row["next_due_at"] = None
            row["next_due_action"] = None
        case _:
            pass

    if event.type in _RESPONSE_EVENTS and payload.get("response") is not None:
        row["response"] = str(payload["response"])

    if "next_due_at" in payload and event.type is not EventType.JOURNEY_ENDED:
        due_at = _as_datetime(payload["next_due_at"], _UNPARSEABLE)
        if due_at is not _UNPARSEABLE:
            row["next_due_at"] = due_at
            row["next_due_action"] = payload.get("next_due_action") if due_at else None

    return row


def replay(events: list[JourneyEvent]) -> dict[str, Any] | None:
    """Status of one participant from their whole history, in sequence order."""
    status: dict[str, Any] | None = None
    for event in sorted(events, key=lambda e: e.sequence):
        status = apply_event(status, event)
    return status


def _record_ae_grade(row: dict[str, Any], event: JourneyEvent) -> None:
    grades: dict[str, int] = row["ae_grades"]
    if event.corrects_sequence is not None:
        grades.pop(str(event.corrects_sequence), None)
    grade = _int(event.payload, "grade")
    if grade is not None:
        grades[str(event.sequence)] = grade
    row["worst_ae_grade"] = max(grades.values(), default=0)


def _int(payload: dict[str, Any], key: str) -> int | None:
    value = payload.get(key)
    if isinstance(value, bool):
        return None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _as_date(value: Any, unchanged: date | None) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return unchanged


def _as_datetime(value: Any, unchanged: Any) -> Any:
    if value is not None and not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(str(value))
        except ValueError:
            return unchanged
    if value is not None and value.tzinfo is None:
        # Ambiguous without a zone; keeping the old value beats guessing.
        return unchanged
    return value
