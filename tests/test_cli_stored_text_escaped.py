"""Defence in depth: text stored before the inputs refused control characters is printed with
those characters escaped, so an old event cannot ring the bell, rewrite the line or reverse
the reading order on the screen of whoever reads the record."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from eventstore_samples import event
from fixtures_devstack import Stack, fresh_participant

from itc.api.operations import mask_event
from itc.cli.audit import audit_text
from itc.cli.render import status_list_text, timeline_text, to_json
from itc.cli.trial import trial_text
from itc.eventstore.store import EventStore
from itc.models.enums import EventType
from itc.models.state import TimelineEntry
from itc.models.text import forbidden_character
from itc.models.trial import TrialDecision, TrialStatus
from itc.runtime.database import close_pool, open_pool

# BEL, CR (over-writes the line), ESC with a colour sequence, a C1 CSI, DEL and a right-to-left
# override; no NUL, which PostgreSQL never stores in text.
HOSTILE = "ok\x07 \rforged\x1b[31m red\x9b2J\x7f \u202eesrever"
SHOWN = "ok\\x07 \\rforged\\x1b[31m red\\x9b2J\\x7f \\u202eesrever"


def assert_printable(text: str) -> None:
    assert forbidden_character(text, multi_line=True) is None, repr(text)


def test_audit_text_escapes_reason_actor_and_refusal_message() -> None:
    stored = [
        event("OLD-001", 1, EventType.CONSENT_RECORDED, {"site": "s"}, actor="ops\x1b[2Ja"),
        event("OLD-001", 2, EventType.LAB_RESULTS_RECORDED, corrects=1, reason=HOSTILE, actor="nurse.a"),
        event(
            "OLD-001",
            3,
            EventType.ACTION_REFUSED,
            {"update": "record_death", "message": "no\u202e way"},
            actor="lab.b",
        ),
    ]
    text = audit_text([mask_event(item) for item in stored])
    assert_printable(text)
    assert f"corrects #1: {SHOWN}" in text
    assert "ops\\x1b[2Ja" in text
    assert "refused Death: no\\u202e way" in text


def test_a_multi_line_reason_stays_on_its_row() -> None:
    stored = [event("OLD-002", 1, EventType.LAB_RESULTS_RECORDED, reason="first line\nsecond\tline")]
    text = audit_text([mask_event(item) for item in stored])
    assert len(text.splitlines()) == 2  # header and one row
    assert "first line\\nsecond\\tline" in text


def test_timeline_and_list_escape_stored_text() -> None:
    entry = TimelineEntry(
        sequence=4, type="AdverseEventRecorded", occurred_at=datetime.now(UTC), actor="nurse\x07", summary=HOSTILE
    )
    timeline = timeline_text([entry])
    assert_printable(timeline)
    assert SHOWN in timeline and "nurse\\x07" in timeline
    listing = status_list_text([{"participant_id": "OLD-003", "site": "site\u202e1", "stage": "screening"}])
    assert_printable(listing)
    assert "site\\u202e1" in listing


def test_trial_status_escapes_pause_and_decision_reasons() -> None:
    status = TrialStatus(
        trial_id="T1",
        protocol_version="1.0.0",
        enrolled=3,
        target=32,
        participants=[],
        evaluable=3,
        dlts=2,
        stopping_rule="boin_elimination",
        boundary=2,
        decision=None,
        paused=True,
        pause_reason=HOSTILE,
        open_sae_clocks=[],
        decisions=[TrialDecision(at=datetime.now(UTC), actor="sup\x07", action="resume", reason=HOSTILE)],
    )
    text = trial_text(status)
    assert_printable(text)
    assert f"YES: {SHOWN}" in text and f"by sup\\x07: {SHOWN}" in text


def test_json_output_escapes_what_a_terminal_would_obey_and_stays_the_same_json() -> None:
    entry = TimelineEntry(sequence=1, type="X", occurred_at=datetime.now(UTC), actor="a", summary=HOSTILE)
    for text in (to_json(entry), to_json([entry]), to_json({"summary": HOSTILE})):
        assert_printable(text)
        decoded = json.loads(text)
        summary = decoded["summary"] if isinstance(decoded, dict) else decoded[0]["summary"]
        assert summary == HOSTILE


async def test_itc_audit_escapes_an_old_event_read_from_the_store(stack: Stack) -> None:
    participant = fresh_participant("OLD")
    at = datetime.now(UTC) - timedelta(days=1)
    stored = [
        event(participant, 1, EventType.CONSENT_RECORDED, {"site": "SITE-OLD"}, actor="ops.old").model_copy(
            update={"occurred_at": at, "recorded_at": at}
        ),
        event(participant, 2, EventType.LAB_RESULTS_RECORDED, corrects=1, reason=HOSTILE, actor="nurse.old"),
    ]
    pool = await open_pool(stack.database_url)
    try:
        await EventStore(pool).append(stored)
    finally:
        await close_pool(pool)

    text = await stack.ok("audit", participant)
    assert_printable(text)
    assert f"corrects #1: {SHOWN}" in text

    as_json = await stack.ok("audit", participant, "--json")
    assert_printable(as_json)
    assert json.loads(as_json)[1]["reason"] == HOSTILE
