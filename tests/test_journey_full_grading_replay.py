"""Both sides of workflow.patched(FULL_TOXICITY_GRADING) replay (tests/test_journey_replay.py replays
every committed history); here: what the patch changes for a journey that starts after it."""

from __future__ import annotations

from pathlib import Path

from history_events import journey_event_types
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory

HISTORY_DIR = Path(__file__).parent / "histories"
BEFORE = HISTORY_DIR / "journey-abnormal-baseline-before-full-grading.json"
AFTER = HISTORY_DIR / "journey-abnormal-baseline-with-full-grading.json"


def patch_markers(path: Path) -> int:
    history = WorkflowHistory.from_json("journey-ITC-004", path.read_text())
    return sum(1 for e in history.events if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED)


def test_full_grading_reaches_only_journeys_that_start_after_it():
    """The same staff actions: an ALT rise from 2.5 to 3.01 x ULN, then afebrile hypotension on one
    vasopressor. Before the patch they hold infusion 2 and make a CRS grade 3 DLT; after it CTCAE v5
    grades the rise 0 against the abnormal baseline and ASTCT refuses the findings as CRS."""
    before, after = journey_event_types(BEFORE), journey_event_types(AFTER)
    assert patch_markers(BEFORE) == 0 and patch_markers(AFTER) == 1
    assert "InfusionHeld" in before and "DltDetected" in before and "AdverseEventRecorded" in before
    assert "InfusionHeld" not in after and "DltDetected" not in after and "AdverseEventRecorded" not in after
    assert before.count("LabResultsRecorded") == after.count("LabResultsRecorded")
