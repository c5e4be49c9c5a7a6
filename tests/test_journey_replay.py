"""Every committed history must replay against the current workflow code without non-determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.journey import ParticipantJourneyWorkflow
from workflows.runner import workflow_runner

HISTORY_DIR = Path(__file__).parent / "histories"
HISTORIES = sorted(HISTORY_DIR.glob("*.json"))


def test_histories_are_committed():
    assert len(HISTORIES) >= 5


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_history_replays(path: Path):
    history = WorkflowHistory.from_json("journey-ITC-001", path.read_text())
    replayer = Replayer(
        workflows=[ParticipantJourneyWorkflow],
        data_converter=pydantic_data_converter,
        workflow_runner=workflow_runner(),
    )
    await replayer.replay_workflow(history)


async def test_replay_detects_a_changed_journey(tmp_path: Path):
    """The replay test can fail: a history whose recorded commands differ is refused."""
    history = json.loads(HISTORIES[0].read_text())
    scheduled = [
        e
        for e in history["events"]
        if e.get("eventType") in ("EVENT_TYPE_ACTIVITY_TASK_SCHEDULED", "ActivityTaskScheduled")
    ]
    scheduled[0]["activityTaskScheduledEventAttributes"]["activityType"]["name"] = "some_other_activity"
    tampered = WorkflowHistory.from_json("journey-ITC-001", json.dumps(history))
    replayer = Replayer(
        workflows=[ParticipantJourneyWorkflow],
        data_converter=pydantic_data_converter,
        workflow_runner=workflow_runner(),
    )
    with pytest.raises(Exception, match=r"(?i)nondetermin"):
        await replayer.replay_workflow(tampered)


def activity_names(history: WorkflowHistory) -> list[str]:
    return [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]


def patch_markers(history: WorkflowHistory) -> int:
    return sum(1 for e in history.events if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED)


def test_the_rebooking_amendment_reaches_only_journeys_that_start_after_it():
    """Both sides of workflow.patched(REBOOK_INFUSION_AFTER_HOLD) replay (test_history_replays);
    the old journey keeps its four bookings, the new one books the infusion chair again."""
    old = WorkflowHistory.from_json(
        "journey-ITC-002", (HISTORY_DIR / "journey-infusion-hold-before-rebooking.json").read_text()
    )
    new = WorkflowHistory.from_json(
        "journey-ITC-002", (HISTORY_DIR / "journey-infusion-hold-with-rebooking.json").read_text()
    )
    assert patch_markers(old) == 0 and patch_markers(new) == 1
    assert activity_names(old).count("book_appointment") == 4
    assert activity_names(new).count("book_appointment") == 5
