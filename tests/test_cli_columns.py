"""`itc timeline` and `itc audit` keep their columns aligned whatever the actor ID: a long one
wraps within its own column, and every row's summary or reason starts at the same place."""

from __future__ import annotations

from datetime import UTC, datetime

from eventstore_samples import event

from itc.api.operations import mask_event
from itc.cli.audit import audit_text
from itc.cli.columns import aligned
from itc.cli.render import timeline_text
from itc.models.enums import EventType
from itc.models.state import TimelineEntry

LONG_ACTOR = "dr.a.very.long.staff.identifier.at.site-01.example"
AT = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)


def entry(sequence: int, actor: str, summary: str) -> TimelineEntry:
    return TimelineEntry(sequence=sequence, type="LabResultsRecorded", occurred_at=AT, actor=actor, summary=summary)


def test_a_long_actor_wraps_in_its_column_and_the_summaries_stay_aligned() -> None:
    text = timeline_text([entry(1, "nurse.a", "first"), entry(2, LONG_ACTOR, "second"), entry(3, "lab.b", "third")])
    lines = text.splitlines()
    rows = [line for line in lines if line.startswith("#")]
    assert [row.index(summary) for row, summary in zip(rows, ["first", "second", "third"], strict=True)] == [
        rows[0].index("first")
    ] * 3
    continuations = [line for line in lines if not line.startswith("#")]
    assert continuations, "the long actor should continue on the next line"
    actor_column = rows[1].index("dr.a.")
    for line in continuations:
        assert line[:actor_column].strip() == ""
    summary_column = rows[1].index("second")
    pieces = [line[actor_column:summary_column].strip() for line in [rows[1], *continuations]]
    assert "".join(pieces) == LONG_ACTOR
    assert max(len(line) for line in lines) < 100


def test_audit_rows_keep_type_and_reason_in_their_columns_with_a_long_actor() -> None:
    stored = [
        event("OLD-001", 1, EventType.CONSENT_RECORDED, {"site": "s"}, actor="ops.a"),
        event("OLD-001", 2, EventType.LAB_RESULTS_RECORDED, corrects=1, reason="typo in ALT", actor=LONG_ACTOR),
    ]
    lines = audit_text([mask_event(item) for item in stored]).splitlines()
    header = lines[0]
    type_column, reason_column = header.index("type"), header.index("reason")
    rows = [line for line in lines[1:] if line.startswith("#")]
    assert rows[0][type_column:].startswith("Consent recorded")
    assert rows[1][type_column:].startswith("Lab results recorded")
    assert rows[1][reason_column:] == "corrects #1: typo in ALT"


def test_the_last_column_is_never_cut_or_wrapped() -> None:
    free = "x" * 300
    assert aligned([["a", free], ["bb", "y"]], (None, None)) == [f"a   {free}", "bb  y"]
