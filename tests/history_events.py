"""What a committed history holds, read from its JSON: the journey events sent to the event
store and the patch markers recorded (the histories' payloads are plaintext)."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path


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
