from __future__ import annotations

import itertools

import asyncpg
from eventstore_samples import (
    EXPECTED_COMPLETED,
    EXPECTED_DLT,
    completed_journey,
    dlt_journey,
    event,
    without_updated_at,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itc.eventstore.projection import replay
from itc.eventstore.rebuild import rebuild_projections
from itc.eventstore.store import EventStore
from itc.models.enums import EventType as T
from itc.models.events import JourneyEvent


async def _status_rows(pool: asyncpg.Pool) -> list[dict]:
    return [without_updated_at(row) for row in await EventStore(pool).list_status()]


async def test_rebuild_reproduces_the_incremental_read_model(db_pool: asyncpg.Pool) -> None:
    store = EventStore(db_pool)
    for pid in ("ITC-007", "ITC-010", "ITC-011"):
        journey = completed_journey(pid, site=f"site-{pid[-2:]}")
        for start in range(0, len(journey), 4):
            await store.append(journey[start : start + 4])
    await store.append(dlt_journey())
    incremental = await _status_rows(db_pool)

    async with db_pool.acquire() as conn:
        # Damage the read model: a rebuild must not depend on it.
        await conn.execute("UPDATE participant_status SET stage = 'corrupt', worst_ae_grade = 99")
        await conn.execute(
            "INSERT INTO participant_status (participant_id, protocol_version, last_sequence) VALUES ('GHOST-001', 'x', 1)"
        )

    assert await rebuild_projections(db_pool) == 4
    rebuilt = await _status_rows(db_pool)
    assert rebuilt == incremental
    by_id = {row["participant_id"]: row for row in rebuilt}
    assert list(by_id) == ["ITC-007", "ITC-008", "ITC-010", "ITC-011"]
    assert by_id["ITC-007"] == {**EXPECTED_COMPLETED, "site": "site-07"}
    assert by_id["ITC-008"] == EXPECTED_DLT


# Event types whose payloads drive the read model, with payload builders.
_PAYLOADS = {
    T.STAGE_CHANGED: st.fixed_dictionaries(
        {"from": st.none(), "to": st.sampled_from(["screening", "biopsy", "infusion", "follow_up"])}
    ),
    T.CONSENT_RECORDED: st.fixed_dictionaries(
        {
            "site": st.sampled_from(["a", "b"]),
            "consent_date": st.just("2026-03-01"),
            "date_of_birth": st.just("1970-01-01"),
        }
    ),
    T.INFUSION_ADMINISTERED: st.fixed_dictionaries({"infusion_number": st.integers(1, 3)}),
    T.ADVERSE_EVENT_RECORDED: st.fixed_dictionaries({"grade": st.integers(1, 5)}),
    T.DLT_DETECTED: st.just({}),
    T.BIOPSY_COLLECTED: st.fixed_dictionaries({"attempt": st.integers(1, 3)}),
    T.RESPONSE_ASSESSED: st.fixed_dictionaries({"response": st.sampled_from(["CR", "PR", "SD", "PD"])}),
    T.PFS_DETERMINED: st.fixed_dictionaries({"days": st.integers(0, 800)}),
    T.INFUSION_DUE: st.fixed_dictionaries(
        {
            "next_due_at": st.sampled_from([None, "2026-06-01T09:00:00+00:00"]),
            "next_due_action": st.just("infusion"),
        }
    ),
    T.JOURNEY_ENDED: st.fixed_dictionaries({"reason": st.sampled_from(["completed", "withdrawn"])}),
    T.ESCALATION_RAISED: st.just({"grade": 5}),
}

_counter = itertools.count(1)


@st.composite
def journeys_in_batches(draw: st.DrawFn) -> tuple[list[JourneyEvent], list[list[JourneyEvent]]]:
    pid = f"HYP-{next(_counter):05d}"
    kinds = draw(st.lists(st.sampled_from(sorted(_PAYLOADS)), min_size=1, max_size=25))
    events: list[JourneyEvent] = []
    for sequence, kind in enumerate(kinds, start=1):
        corrects = None
        if kind is T.ADVERSE_EVENT_RECORDED and sequence > 1 and draw(st.booleans()):
            corrects = draw(st.integers(1, sequence - 1))
        events.append(
            event(
                pid,
                sequence,
                kind,
                draw(_PAYLOADS[kind]),
                corrects=corrects,
                reason="fix" if corrects else None,
            )
        )
    # Batches as a workflow sends them: in order, but a retry may re-send a window already stored.
    batches: list[list[JourneyEvent]] = []
    position = 0
    while position < len(events):
        size = draw(st.integers(1, 5))
        resend = draw(st.integers(0, position))
        batches.append(events[position - resend : position + size])
        position += size
    return events, batches


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=journeys_in_batches())
async def test_incremental_projection_equals_replay(db_pool: asyncpg.Pool, case) -> None:
    events, batches = case
    store = EventStore(db_pool)
    for batch in batches:
        await store.append(batch)

    incremental = await store.status(events[0].participant_id)
    assert incremental is not None
    assert without_updated_at(incremental) == replay(events)

    before = await _status_rows(db_pool)
    await rebuild_projections(db_pool)
    assert await _status_rows(db_pool) == before
