"""The clinical-rule amendments (itc.journey.amendments) reach only journeys that record their
workflow.patched markers: each committed pair replays (test_journey_replay.py::test_history_replays),
and the pair shows what the amendment changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory

from itc.journey.amendments import (
    ENDOTOXIN_DOSE_AWARE_LIMIT,
    PFS_FDA_2018_CENSORING,
    RECIST_OVERALL_RESPONSE,
    SUSAR_UPGRADE_CLOCK,
)

HISTORY_DIR = Path(__file__).parent / "histories"


def history(name: str) -> WorkflowHistory:
    return WorkflowHistory.from_json("journey", (HISTORY_DIR / f"{name}.json").read_text())


def patches(h: WorkflowHistory) -> set[str]:
    found = set()
    for e in h.events:
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            data = e.marker_recorded_event_attributes.details["patch-data"].payloads[0].data
            found.add(json.loads(data)["id"])
    return found


def activity_names(h: WorkflowHistory) -> list[str]:
    return [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in h.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]


def journey_events(h: WorkflowHistory) -> list[dict[str, Any]]:
    """The journey's own events, as sent to the event store (these histories were made without the codec)."""
    found: list[dict[str, Any]] = []
    for e in h.events:
        attributes = e.activity_task_scheduled_event_attributes
        if e.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED or attributes.activity_type.name != (
            "append_events"
        ):
            continue
        for payload in attributes.input.payloads:
            found.extend(json.loads(payload.data)["events"])
    return found


def test_the_recist_and_susar_amendments_reach_only_journeys_that_start_after_them():
    """Before: the lesion back after CR reads PR and the upgrade to life-threatening starts no clock.
    After: it is PD (EORTC RECIST FAQ) and the journey ends; the 7-day clock starts (ICH E2A III.A)."""
    old = history("journey-response-rules-before-amendments")
    new = history("journey-response-rules-with-amendments")
    assert patches(old) == set()
    assert patches(new) == {
        ENDOTOXIN_DOSE_AWARE_LIMIT,
        SUSAR_UPGRADE_CLOCK,
        RECIST_OVERALL_RESPONSE,
        PFS_FDA_2018_CENSORING,
    }
    old_clocks = [e["payload"]["clock"] for e in journey_events(old) if e["type"] == "SaeClockStarted"]
    new_clocks = [e["payload"]["clock"] for e in journey_events(new) if e["type"] == "SaeClockStarted"]
    assert old_clocks == ["sponsor_24h", "susar_15d"]
    assert new_clocks == ["sponsor_24h", "susar_15d", "susar_7d"]
    old_confirmation = next(
        e for e in journey_events(old) if e["type"].startswith("Response") and "confirmation" in e["payload"]
    )
    new_confirmation = next(
        e for e in journey_events(new) if e["type"].startswith("Response") and "confirmation" in e["payload"]
    )
    assert old_confirmation["payload"]["confirmation"] == "PR"
    assert new_confirmation["payload"]["confirmation"] == "PD"
    assert "cancel_appointments" not in activity_names(old)
    assert activity_names(new).count("cancel_appointments") == 1


def test_the_pfs_amendment_censors_progression_after_two_missed_assessments_fda_2018():
    old = history("journey-pfs-censoring-before-amendment")
    new = history("journey-pfs-censoring-with-amendment")
    assert patches(old) == set()
    assert patches(new) == {RECIST_OVERALL_RESPONSE, PFS_FDA_2018_CENSORING}
    (old_pfs,) = [e["payload"] for e in journey_events(old) if e["type"] == "PfsDetermined"]
    (new_pfs,) = [e["payload"] for e in journey_events(new) if e["type"] == "PfsDetermined"]
    assert old_pfs["event"] is True and old_pfs["event_type"] == "progression"
    assert new_pfs["event"] is False and "2 missed assessments" in new_pfs["censor_reason"]
    assert activity_names(old) == activity_names(new)
