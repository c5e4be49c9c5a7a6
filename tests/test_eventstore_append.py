from __future__ import annotations

import asyncpg
import pytest
from eventstore_samples import (
    EXPECTED_COMPLETED,
    EXPECTED_DLT,
    PHI_PAYLOAD,
    completed_journey,
    dlt_journey,
    event,
    without_updated_at,
)

from itc.eventstore.store import EventRejected, EventSequenceConflict, EventStore
from itc.models.activity_inputs import AppendEventsResult
from itc.models.enums import EventType as T


async def test_append_is_idempotent(db_pool: asyncpg.Pool) -> None:
    store = EventStore(db_pool)
    events = completed_journey()[:5]

    assert await store.append(events) == AppendEventsResult(inserted=5, already_present=0)
    assert await store.append(events) == AppendEventsResult(inserted=0, already_present=5)
    # A retry that overlaps old and new events stores only the new ones.
    assert await store.append(completed_journey()[3:7]) == AppendEventsResult(inserted=2, already_present=2)

    stored = await store.events_for("ITC-007")
    assert [e.sequence for e in stored] == [1, 2, 3, 4, 5, 6, 7]
    assert stored == completed_journey()[:7]
    async with db_pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM journey_events") == 7


async def test_same_sequence_with_different_content_is_a_conflict(db_pool: asyncpg.Pool) -> None:
    store = EventStore(db_pool)
    await store.append(completed_journey()[:2])
    forked = event("ITC-007", 2, T.STAGE_CHANGED, {"from": None, "to": "baseline"}, run_id="run-reset")

    with pytest.raises(EventSequenceConflict, match="ITC-007 event 2"):
        await store.append([forked])
    assert (await store.events_for("ITC-007"))[1].payload == {"from": None, "to": "screening"}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE journey_events SET actor = 'mallory' WHERE sequence = 1",
        "DELETE FROM journey_events WHERE sequence = 1",
        # The signatures table refers to journey_events, and PostgreSQL refuses to truncate a
        # referenced table alone before any trigger runs; truncating both reaches the trigger.
        "TRUNCATE journey_events, electronic_signatures",
    ],
)
async def test_events_cannot_be_changed_or_removed(db_pool: asyncpg.Pool, statement: str) -> None:
    store = EventStore(db_pool)
    await store.append(completed_journey()[:2])
    operation = statement.split()[0]

    async with db_pool.acquire() as conn:
        with pytest.raises(asyncpg.RestrictViolationError) as raised:
            await conn.execute(statement)
        assert raised.value.message == (
            f"journey_events is append-only: {operation} is not allowed; record a correction event instead"
        )
        assert raised.value.hint.startswith("Append a new event whose corrects_sequence")
        assert await conn.fetchval("SELECT count(*) FROM journey_events") == 2
        assert await conn.fetchval("SELECT actor FROM journey_events WHERE sequence = 1") == "system"


async def test_read_model_after_realistic_journeys(db_pool: asyncpg.Pool) -> None:
    store = EventStore(db_pool)
    journey = completed_journey()
    # Appended in the small batches a workflow produces.
    for start in range(0, len(journey), 3):
        await store.append(journey[start : start + 3])
    await store.append(dlt_journey())

    completed = await store.status("ITC-007")
    assert completed is not None
    assert without_updated_at(completed) == EXPECTED_COMPLETED
    assert without_updated_at(await store.status("ITC-008")) == EXPECTED_DLT
    assert await store.status("ITC-999") is None

    for value in PHI_PAYLOAD.values():
        assert value not in completed.values()

    assert [row["participant_id"] for row in await store.list_status()] == ["ITC-007", "ITC-008"]
    assert [row["participant_id"] for row in await store.list_status(stage="infusion")] == ["ITC-008"]
    assert [row["participant_id"] for row in await store.list_status(site="tehran-1")] == ["ITC-007"]
    assert await store.list_status(stage="infusion", site="tehran-1") == []


async def test_mid_journey_status_shows_what_is_due(db_pool: asyncpg.Pool) -> None:
    store = EventStore(db_pool)
    await store.append(completed_journey()[:8])

    status = await store.status("ITC-007")
    assert status is not None
    assert (status["stage"], status["next_due_action"], status["next_due_at"].isoformat()) == (
        "biopsy",
        "biopsy",
        "2026-03-12T08:00:00+00:00",
    )
    assert status["last_sequence"] == 8


async def test_a_gap_filled_late_gives_the_same_row_as_in_order(db_pool: asyncpg.Pool) -> None:
    store = EventStore(db_pool)
    journey = completed_journey()[:18]
    await store.append(journey[:10] + journey[12:])
    # Events 11-12 arrive after 13-18 were projected.
    assert await store.append(journey[10:12]) == AppendEventsResult(inserted=2, already_present=0)

    status = await store.status("ITC-007")
    assert status is not None
    assert (
        status["stage"],
        status["biopsy_attempts"],
        status["infusions_given"],
        status["last_sequence"],
    ) == (
        "infusion",
        2,
        1,
        18,
    )


@pytest.mark.parametrize(
    ("field", "sqlstate"),
    [
        ("payload", "22P05"),  # jsonb refuses \u0000: untranslatable_character
        ("reason", "22021"),  # text refuses a NUL byte: character_not_in_repertoire
    ],
)
async def test_a_nul_refused_by_postgres_names_the_event_and_stores_nothing_of_the_batch(
    db_pool: asyncpg.Pool, field: str, sqlstate: str
) -> None:
    """PostgreSQL's own refusal of a NUL (issue 12, H1) is a named refusal of one event, not an
    error to retry: the batch is rolled back whole, and the store says which event and why."""
    store = EventStore(db_pool)
    good = completed_journey()[:2]
    poisoned = event("ITC-007", 3, T.LAB_RESULTS_RECORDED, {"note": "ok"}, reason="fine")
    if field == "payload":
        poisoned = poisoned.model_copy(update={"payload": {"note": "bad\x00value"}})
    else:
        poisoned = poisoned.model_copy(update={"reason": "bad\x00reason"})

    with pytest.raises(EventRejected) as refused:
        await store.append([*good, poisoned])

    assert (refused.value.sequence, refused.value.sqlstate) == (3, sqlstate)
    assert "bad" not in str(refused.value), "the refused value (possibly PHI) must not reach the message"
    assert await store.events_for("ITC-007") == []
    assert await store.append(good) == AppendEventsResult(inserted=2, already_present=0)
