"""The command line names stages, event types and actions in the dashboard's words, from the
one mapping (`itc.api.labels`, built from the action registry and the event types), never as
the engine's identifiers ("LabResultsRecorded", "screen_failed", "record_death")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from itc.api.labels import event_label, human
from itc.cli.render import status_list_text, timeline_text
from itc.cli.replies import accepted_line
from itc.models.enums import EventType, Stage
from itc.models.inputs import ActionAccepted
from itc.models.state import TimelineEntry

AT = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("event_type", list(EventType), ids=str)
def test_the_timeline_names_every_event_type_by_its_label(event_type: EventType) -> None:
    entry = TimelineEntry(sequence=1, type=event_type.value, occurred_at=AT, actor="nurse.lee", summary="s")
    text = timeline_text([entry])
    assert event_label(event_type) in text
    if " " in event_label(event_type):
        assert event_type.value not in text


@pytest.mark.parametrize("stage", list(Stage), ids=str)
def test_list_and_reply_name_every_stage_by_its_label(stage: Stage) -> None:
    row = {"participant_id": "ITC-001", "site": "TEH-01", "stage": stage.value, "next_due_action": None}
    listed = status_list_text([row]).splitlines()[1]
    assert human(stage) in listed
    reply = accepted_line(ActionAccepted(sequence=3, stage=stage, message="Recorded."))
    assert f"({human(stage)})" in reply
    if "_" in stage.value:
        assert stage.value not in listed and stage.value not in reply


def test_a_summary_names_labs_in_words() -> None:
    entry = TimelineEntry(
        sequence=2,
        type="LabResultsRecorded",
        occurred_at=AT,
        actor="nurse.lee",
        summary="Lab results: creatinine, spo2",
    )
    assert "Lab results: Creatinine, SpO₂" in timeline_text([entry])
