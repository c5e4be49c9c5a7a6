"""Temperature excursions and what they cost, counted from the event store's journey_events rows:
how many units left their range, what quality decided, how many bags were re-made and how late
their infusions came, and how many planned infusions were never given because of a discard."""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from itc.models.enums import DecisionKind, EventType


def excursion_summary(events: list[dict[str, Any]], infusion_count: int) -> dict[str, Any]:
    decisions = [e["payload"]["decision"] for e in events if e["type"] == EventType.QUALITY_DECISION_RECORDED]
    delays = [
        (_at(e["payload"]["target_at"]) - _at(e["payload"]["previous_target_at"])).total_seconds() / 86400
        for e in events
        if e["type"] == EventType.INFUSION_REPLANNED
    ]
    lost = sum(
        infusion_count - e["payload"]["infusions_given"]
        for e in events
        if e["type"] == EventType.INFUSIONS_DISCONTINUED and "discarded" in e["payload"]["reason"]
    )
    return {
        "excursions": sum(
            1 for e in events if e["type"] == EventType.CUSTODY_HANDOFF_RECORDED and e["payload"].get("excursion")
        ),
        "released_under_deviation": decisions.count("release_under_deviation"),
        "discarded": decisions.count("discard"),
        "bags_remade": sum(
            1
            for e in events
            if e["type"] == EventType.SUPERVISOR_DECISION_RECORDED
            and e["payload"].get("decision") == DecisionKind.REMANUFACTURE_BAG
        ),
        "infusion_delay_days": {
            "infusions": len(delays),
            "median": round(statistics.median(delays), 1) if delays else None,
            "max": round(max(delays), 1) if delays else None,
        },
        "infusions_lost": lost,
    }


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def excursion_row(summary: dict[str, Any]) -> str:
    delay = summary["infusion_delay_days"]
    later = (
        f"{delay['infusions']} infusion(s) later by a median {delay['median']:g} days"
        if delay["infusions"]
        else "none later"
    )
    return (
        f"{summary['excursions']}: {summary['released_under_deviation']} released under deviation, "
        f"{summary['discarded']} discarded, {summary['bags_remade']} re-made ({later}), "
        f"{summary['infusions_lost']} infusion(s) lost"
    )
