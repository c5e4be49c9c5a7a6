"""Both sides of workflow.patched(MANUFACTURING_SLOTS) replay (tests/test_journey_replay.py replays every
committed history); here: what the patch changes for the same journey, eligibility to a failed run."""

from __future__ import annotations

import json
from pathlib import Path

from test_journey_custody_replay import journey_event_types, patch_ids

from activities import names
from workflows.journey import MANUFACTURING_SLOTS

HISTORY_DIR = Path(__file__).parent / "histories"
BEFORE = HISTORY_DIR / "journey-manufacturing-failure-before-slots.json"
AFTER = HISTORY_DIR / "journey-manufacturing-failure-with-slots.json"


def activity_names(path: Path) -> list[str]:
    return [
        event["activityTaskScheduledEventAttributes"]["activityType"]["name"]
        for event in json.loads(path.read_text())["events"]
        if "activityTaskScheduledEventAttributes" in event
    ]


def test_manufacturing_slots_reach_only_journeys_from_after_the_patch():
    """The same staff actions: eligibility, baseline, biopsy, a failed fibroblast expansion and an
    off-study decision. Before the patch no slot is asked for; after it the slot is reserved at
    eligibility (before baseline's orders) and released when the run fails, before the decision."""
    before, after = journey_event_types(BEFORE), journey_event_types(AFTER)
    assert MANUFACTURING_SLOTS not in patch_ids(BEFORE)
    assert MANUFACTURING_SLOTS in patch_ids(AFTER)
    assert not {names.RESERVE_MANUFACTURING_SLOT, names.RELEASE_MANUFACTURING_SLOT} & set(activity_names(BEFORE))
    assert {"ManufacturingSlotReserved", "ManufacturingSlotReleased"}.isdisjoint(before)
    assert after.count("ManufacturingSlotReserved") == 1 and after.count("ManufacturingSlotReleased") == 1
    assert after.index("EligibilityConfirmed") < after.index("ManufacturingSlotReserved")
    assert after.index("ManufacturingSlotReserved") < after.index("BaselineCompleted")
    assert after.index("ManufacturingFailed") < after.index("ManufacturingSlotReleased")
    assert after.index("ManufacturingSlotReleased") < after.index("SupervisorDecisionRecorded")
    # Apart from the slot's own events, the journey recorded the same things in the same order.
    assert [t for t in after if not t.startswith("ManufacturingSlot")] == before
