"""Capacity forecast: manufacturing slots held and runs in progress, and clinic bookings, week by week.

A slot is a manufacturing run started in a given week (what the scheduling service limits),
so slots held count the reservations of each week that were not released. Runs in progress
(biopsy collected until the product is released, manufacturing fails or the journey ends)
show how many products the lab carries at once. Both come from the event store; bookings and
lab orders are what the simulated services were asked for, minus appointments cancelled by a
withdrawal or death.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from itc.models.enums import AppointmentKind, EventType, Stage
from itc.simulation.clock import midnight
from itc.simulation.outcomes import events_by_participant
from itc.simulation.services import SimulatedServices

COLUMNS = (
    "week_start",
    "manufacturing_slots_held",
    "manufacturing_slots_in_use",
    "infusion_chair_bookings",
    "ct_scan_bookings",
    "biopsy_bookings",
    "follow_up_visit_bookings",
    "lab_orders",
)
_ENDS_MANUFACTURING = {EventType.PRODUCT_RELEASED, EventType.MANUFACTURING_FAILED, EventType.JOURNEY_ENDED}
_TERMINAL = {stage.value for stage in Stage if stage.is_terminal}


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def manufacturing_intervals(events: list[dict[str, Any]]) -> list[tuple[datetime, datetime]]:
    intervals = []
    for rows in events_by_participant(events).values():
        started: datetime | None = None
        for event in rows:
            if event["type"] == EventType.BIOPSY_COLLECTED:
                started = event["occurred_at"]
            elif started is not None and (
                event["type"] in _ENDS_MANUFACTURING
                or (event["type"] == EventType.STAGE_CHANGED and event["payload"]["to"] in _TERMINAL)
            ):
                intervals.append((started, event["occurred_at"]))
                started = None
        if started is not None:
            intervals.append((started, rows[-1]["occurred_at"]))
    return intervals


def slots_held_by_week(events: list[dict[str, Any]]) -> Counter[date]:
    """The week of every manufacturing slot reserved and not released since."""
    held: dict[str, date] = {}
    for event in events:
        if event["type"] == EventType.MANUFACTURING_SLOT_RESERVED:
            held[event["payload"]["reservation_id"]] = date.fromisoformat(event["payload"]["week_start"])
        elif event["type"] == EventType.MANUFACTURING_SLOT_RELEASED and event["payload"].get("released"):
            held.pop(event["payload"]["reservation_id"], None)
    return Counter(held.values())


def weekly_capacity(events: list[dict[str, Any]], services: SimulatedServices, first_day: date) -> list[dict[str, Any]]:
    bookings = {kind: Counter(monday(b.day) for b in services.kept_bookings(kind.value)) for kind in AppointmentKind}
    orders = Counter(monday(o.ordered_on) for o in services.lab_orders)
    intervals = manufacturing_intervals(events)
    slots_held = slots_held_by_week(events)
    busy_days = (
        [d for c in bookings.values() for d in c]
        + list(orders)
        + list(slots_held)
        + [monday(end.date()) for _, end in intervals]
    )
    if not busy_days:
        return []
    rows = []
    week = monday(first_day)
    while week <= max(busy_days):
        start = midnight(week)
        end = start + timedelta(days=7)
        in_use = sum(1 for a, b in intervals if a < end and b >= start)
        rows.append(
            {
                "week_start": week.isoformat(),
                "manufacturing_slots_held": slots_held[week],
                "manufacturing_slots_in_use": in_use,
                "infusion_chair_bookings": bookings[AppointmentKind.INFUSION][week],
                "ct_scan_bookings": bookings[AppointmentKind.CT_SCAN][week],
                "biopsy_bookings": bookings[AppointmentKind.BIOPSY][week],
                "follow_up_visit_bookings": bookings[AppointmentKind.FOLLOW_UP_VISIT][week],
                "lab_orders": orders[week],
            }
        )
        week += timedelta(days=7)
    return rows


def write_capacity_csv(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
