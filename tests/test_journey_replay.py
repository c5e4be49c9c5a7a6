"""Every committed history, journey or trial, must replay against the current workflow code without
non-determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from history_replay import HISTORY_DIR, load_history, replayer
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter

from itc.runtime.workflow_trust import AUTHENTICATED_SIGNALS

HISTORIES = sorted(HISTORY_DIR.glob("*.json"))


def test_histories_are_committed():
    assert len(HISTORIES) >= 5


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_history_replays(path: Path):
    await replayer().replay_workflow(load_history(path))


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
    with pytest.raises(Exception, match=r"(?i)nondetermin"):
        await replayer().replay_workflow(tampered)


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


async def test_a_refused_event_gets_its_stand_in_only_behind_the_patch():
    """Both sides of workflow.patched(STAND_IN_FOR_A_REFUSED_EVENT) replay (test_history_replays).
    Before: the refused append is retried for ever and nothing after it is scheduled. After: the
    append fails once, non-retryably, and is sent again with EventNotStored in the refused event's
    place, and the journey goes on to baseline."""
    from itc.models.activity_inputs import AppendEventsInput
    from workflows.journey import STAND_IN_FOR_A_REFUSED_EVENT

    old = WorkflowHistory.from_json(
        "journey-ITC-004", (HISTORY_DIR / "journey-store-refusal-retried-before-stand-in.json").read_text()
    )
    new = WorkflowHistory.from_json(
        "journey-ITC-004", (HISTORY_DIR / "journey-store-refusal-with-stand-in.json").read_text()
    )
    assert patch_markers(old) == 0 and patch_markers(new) == 1
    marker = next(e for e in new.events if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED)
    [patch] = await pydantic_data_converter.decode(
        marker.marker_recorded_event_attributes.details["patch-data"].payloads
    )
    assert patch["id"] == STAND_IN_FOR_A_REFUSED_EVENT

    async def appended(history: WorkflowHistory) -> list[list[str]]:
        batches = []
        for e in history.events:
            if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                attributes = e.activity_task_scheduled_event_attributes
                if attributes.activity_type.name == "append_events":
                    [batch] = await pydantic_data_converter.decode(attributes.input.payloads, [AppendEventsInput])
                    batches.append([event.type.value for event in batch.events])
        return batches

    old_batches, new_batches = await appended(old), await appended(new)
    assert "LabResultsRecorded" in old_batches[-1] and not any(
        e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED for e in old.events
    )
    refused = next(i for i, batch in enumerate(new_batches) if "LabResultsRecorded" in batch)
    assert new_batches[refused + 1] == [
        "EventNotStored" if t == "LabResultsRecorded" else t for t in new_batches[refused]
    ]
    assert any("StageChanged" in batch for batch in new_batches[refused + 2 :])


def patch_ids(history: WorkflowHistory) -> list[str]:
    return [
        payload.data.decode()
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        for payload in e.marker_recorded_event_attributes.details["patch-data"].payloads
    ]


def refused_signals_stored(history: WorkflowHistory) -> list[str]:
    """The signal names of the refusals the journey sent to the event store."""
    stored = []
    for e in history.events:
        if e.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            continue
        for payload in e.activity_task_scheduled_event_attributes.input.payloads:
            for event in json.loads(payload.data).get("events", []):
                if event["type"] == "ActionRefused":
                    stored.append((event["payload"]["update"], event["payload"].get("refused_by")))
    return stored


def test_unauthenticated_signals_are_ignored_only_in_journeys_from_after_the_check():
    """Both sides of workflow.patched(AUTHENTICATED_SIGNALS) replay (test_history_replays): the
    journey recorded before it applied its unsigned refusal signal as an audited refusal; the
    one from after it ignored a forged pause and a forged refusal, auditing each as refused."""
    old = WorkflowHistory.from_json(
        "journey-ITC-003", (HISTORY_DIR / "journey-roles-and-refused-action.json").read_text()
    )
    new = WorkflowHistory.from_json(
        "journey-ITC-004", (HISTORY_DIR / "journey-forged-signals-ignored.json").read_text()
    )
    assert not any(AUTHENTICATED_SIGNALS in p for p in patch_ids(old))
    assert any(AUTHENTICATED_SIGNALS in p for p in patch_ids(new))
    assert refused_signals_stored(old) == [("record_supervisor_decision", "journey")]
    assert refused_signals_stored(new) == [("set_trial_pause", "worker"), ("record_refused_action", "worker")]


def test_the_history_guard_continues_as_new_mid_stage_only_in_journeys_from_after_it():
    """Both sides of workflow.patched(HISTORY_GUARD) replay (test_history_replays): a journey
    recorded before it stays in one run through screening; one from after it, past its
    (lowered) guard, ends its first run in screening by continuing as new."""
    from workflows.journey import HISTORY_GUARD

    old = WorkflowHistory.from_json(
        "journey-ITC-003", (HISTORY_DIR / "journey-roles-and-refused-action.json").read_text()
    )
    new = WorkflowHistory.from_json(
        "journey-ITC-006", (HISTORY_DIR / "journey-history-guard-continued-in-screening.json").read_text()
    )
    assert not any(HISTORY_GUARD in p for p in patch_ids(old))
    assert any(HISTORY_GUARD in p for p in patch_ids(new))
    assert new.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    assert old.events[-1].event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW


def test_a_journey_resumed_in_baseline_by_the_history_guard_orders_nothing_again():
    """The guard in a stage past screening (issue 12, H3): a run that began in baseline from
    the state the run before carried, under the same patch, orders and books nothing again and
    ends by continuing as new in baseline once more; it replays (test_history_replays)."""
    from workflows.journey import HISTORY_GUARD

    history = WorkflowHistory.from_json(
        "journey-ITC-007", (HISTORY_DIR / "journey-history-guard-continued-in-baseline.json").read_text()
    )
    started = history.events[0].workflow_execution_started_event_attributes.input.payloads[0].data
    carried = json.loads(started)["carried_state"]
    assert carried["stage"] == "baseline"
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert scheduled and set(scheduled) == {"append_events"}
    assert any(HISTORY_GUARD in p for p in patch_ids(history))
    assert history.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
