"""Every committed history must replay against the current workflow code without non-determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.journey import ParticipantJourneyWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_histories_are_committed():
    assert len(HISTORIES) >= 2


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_history_replays(path: Path):
    history = WorkflowHistory.from_json("journey-ITC-001", path.read_text())
    replayer = Replayer(workflows=[ParticipantJourneyWorkflow], data_converter=pydantic_data_converter)
    await replayer.replay_workflow(history)


async def test_replay_detects_a_changed_journey(tmp_path: Path):
    """The replay test can fail: a history whose recorded commands differ is refused."""
    history = json.loads(HISTORIES[0].read_text())
    scheduled = [e for e in history["events"] if e.get("eventType") in ("EVENT_TYPE_ACTIVITY_TASK_SCHEDULED", "ActivityTaskScheduled")]
    scheduled[0]["activityTaskScheduledEventAttributes"]["activityType"]["name"] = "some_other_activity"
    tampered = WorkflowHistory.from_json("journey-ITC-001", json.dumps(history))
    replayer = Replayer(workflows=[ParticipantJourneyWorkflow], data_converter=pydantic_data_converter)
    with pytest.raises(Exception, match="(?i)nondetermin"):
        await replayer.replay_workflow(tampered)
