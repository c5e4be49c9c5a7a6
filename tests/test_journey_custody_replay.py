"""Both sides of workflow.patched(CHAIN_OF_CUSTODY) replay (tests/test_journey_replay.py replays every
committed history); here: what the patch changes for a journey enrolled after it."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

from workflows.journey import CHAIN_OF_CUSTODY

HISTORY_DIR = Path(__file__).parent / "histories"
BEFORE = HISTORY_DIR / "journey-bedside-before-chain-of-custody.json"
AFTER = HISTORY_DIR / "journey-bedside-with-chain-of-custody.json"
CUSTODY_EVENTS = {
    "ChainOfIdentityAssigned",
    "UnitLabelled",
    "CustodyHandoffRecorded",
    "ChainOfIdentityIncident",
    "BedsideVerificationRecorded",
}


def journey_event_types(path: Path) -> list[str]:
    """The journey event types the history sent to the event store, in order."""
    found: list[str] = []
    for event in json.loads(path.read_text())["events"]:
        scheduled = event.get("activityTaskScheduledEventAttributes")
        if not scheduled or scheduled["activityType"]["name"] != "append_events":
            continue
        for payload in scheduled.get("input", {}).get("payloads", []):
            found += re.findall(r'"type":"([A-Za-z]+)"', base64.b64decode(payload["data"]).decode())
    return found


def patch_ids(path: Path) -> list[str]:
    """The IDs of the patches the history's markers record."""
    found = []
    for event in json.loads(path.read_text())["events"]:
        marker = event.get("markerRecordedEventAttributes")
        if marker and marker["markerName"] == "core_patch":
            data = marker["details"]["patch-data"]["payloads"][0]["data"]
            found.append(json.loads(base64.b64decode(data))["id"])
    return found


def test_chain_of_custody_reaches_only_journeys_enrolled_after_it():
    """The same staff actions to infusion 1. Before the patch the infusion is recorded alone; after
    it the journey assigns a COI at enrolment, labels the specimen and three bags, records the bag's
    handoffs, a wrong bag at the bedside as an incident, and two people's check before the infusion."""
    before, after = journey_event_types(BEFORE), journey_event_types(AFTER)
    assert CHAIN_OF_CUSTODY not in patch_ids(BEFORE)
    assert CHAIN_OF_CUSTODY in patch_ids(AFTER)
    assert CUSTODY_EVENTS.isdisjoint(before)
    assert after.index("ChainOfIdentityAssigned") < after.index("LabResultsRecorded")
    assert after.count("UnitLabelled") == 4  # the specimen and one bag per planned infusion
    assert after.count("ChainOfIdentityIncident") == 1
    assert after.count("BedsideVerificationRecorded") == 2
    assert after.index("BedsideVerificationRecorded") < after.index("InfusionAdministered")
    assert before.count("InfusionAdministered") == after.count("InfusionAdministered") == 1
