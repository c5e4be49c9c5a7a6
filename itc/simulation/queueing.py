"""Queueing for manufacturing slots, counted from the event store's journey_events rows: per
participant, the days from eligibility to the biopsy and how long she waited for a slot; for the
cohort, the median and the longest of each and how many waited."""

from __future__ import annotations

import csv
import statistics
from datetime import datetime
from pathlib import Path
from typing import Any

from itc.models.enums import EventType
from itc.simulation.outcomes import events_by_participant

COLUMNS = (
    "participant_id",
    "eligible_at",
    "queued_at",
    "slot_reserved_at",
    "slot_week",
    "biopsy_collected_at",
    "queue_wait_days",
    "eligibility_to_biopsy_days",
)


def queueing_rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per participant who became eligible (the first biopsy attempt)."""
    rows = []
    for pid, journey in sorted(events_by_participant(events).items()):
        eligible = _first(journey, EventType.ELIGIBILITY_CONFIRMED)
        if eligible is None:
            continue
        queued = _first(journey, EventType.MANUFACTURING_SLOT_QUEUED)
        reserved = _first(journey, EventType.MANUFACTURING_SLOT_RESERVED)
        biopsy = _first(journey, EventType.BIOPSY_COLLECTED)
        eligible_at = eligible["occurred_at"]
        waited_until = reserved["occurred_at"] if reserved else journey[-1]["occurred_at"]
        rows.append(
            {
                "participant_id": pid,
                "eligible_at": eligible_at.isoformat(),
                "queued_at": queued["occurred_at"].isoformat() if queued else "",
                "slot_reserved_at": reserved["occurred_at"].isoformat() if reserved else "",
                "slot_week": reserved["payload"]["week_start"] if reserved else "",
                "biopsy_collected_at": biopsy["occurred_at"].isoformat() if biopsy else "",
                "queue_wait_days": _days(queued["occurred_at"], waited_until) if queued else 0.0,
                "eligibility_to_biopsy_days": _days(eligible_at, biopsy["occurred_at"]) if biopsy else "",
            }
        )
    return rows


def queueing_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    waits = [row["queue_wait_days"] for row in rows if row["queued_at"]]
    to_biopsy = [row["eligibility_to_biopsy_days"] for row in rows if row["eligibility_to_biopsy_days"] != ""]
    return {
        "eligible": len(rows),
        "waited_for_a_slot": len(waits),
        "queue_wait_days": _spread(waits),
        "eligibility_to_biopsy_days": _spread(to_biopsy),
    }


def queueing_row(summary: dict[str, Any]) -> str:
    """The summary line: median and longest delay from eligibility to biopsy, and who waited."""
    to_biopsy, waits = summary["eligibility_to_biopsy_days"], summary["queue_wait_days"]
    if not to_biopsy["participants"]:
        return "no biopsy collected"
    line = f"median {to_biopsy['median']:g} days, max {to_biopsy['max']:g} days (n={to_biopsy['participants']})"
    waited = summary["waited_for_a_slot"]
    if waited:
        line += f"; {waited} of {summary['eligible']} waited for a slot (median {waits['median']:g}, max {waits['max']:g} days)"
    else:
        line += f"; none of {summary['eligible']} waited for a slot"
    return line


def write_queueing_csv(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _first(rows: list[dict[str, Any]], kind: EventType) -> dict[str, Any] | None:
    return next((row for row in rows if row["type"] == kind), None)


def _days(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 86400, 1)


def _spread(values: list[float]) -> dict[str, Any]:
    return {
        "participants": len(values),
        "median": round(statistics.median(values), 1) if values else None,
        "max": max(values) if values else None,
    }
