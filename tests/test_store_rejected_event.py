"""An event PostgreSQL refuses as invalid data, on the real dev stack (issue 12, H1).

Text hygiene now stops a NUL at every input, so the refusal is injected where the store is: a
trigger on the test's own copy of `journey_events` refuses the participant's lab results with the
very error PostgreSQL gives for a NUL in jsonb (SQLSTATE 22P05, untranslatable_character). The
event store, the activity, the workflow and the worker are the production ones.

What must hold (21 CFR 11.10(e), ICH E6(R3) 4.2: a complete, attributable record): the refusal
is a named, non-retryable failure, not a silent retry; the refused event's sequence keeps an
`EventNotStored` stand-in with an escaped copy of it; the events after it are all stored, in
order, with no gap; the supervisor is notified; the journey's status lists it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from fixtures_devstack import Stack, fresh_participant
from temporalio.client import Client

from itc.drivers.env_journey import consent_record
from itc.drivers.quiescence import poll_for_stage, poll_until
from itc.drivers.staff_actions import GOOD_SCREENING_LABS, acting_in_role, record_eligibility, record_labs
from itc.models.enums import EventType, Stage
from itc.models.inputs import ActionAccepted
from itc.models.state import JourneyStatus
from itc.runtime.journeys import UPDATE_INPUTS, get_status, get_timeline, record, start_journey
from itc.runtime.temporal_client import connect

WAIT_SECONDS = 45.0

_POISON = """
CREATE FUNCTION test_refuse_lab_results() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.participant_id = '{participant}' AND NEW.type = 'LabResultsRecorded' THEN
        RAISE EXCEPTION 'unsupported Unicode escape sequence' USING ERRCODE = 'untranslatable_character';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER test_refuse_lab_results BEFORE INSERT ON journey_events
    FOR EACH ROW EXECUTE FUNCTION test_refuse_lab_results();
"""
_CURE = "DROP TRIGGER test_refuse_lab_results ON journey_events; DROP FUNCTION test_refuse_lab_results();"


class Journey:
    """The staff-action driver's view of one journey on the dev stack."""

    def __init__(self, client: Client, participant_id: str) -> None:
        self.client, self.participant_id = client, participant_id

    async def now(self) -> datetime:
        return datetime.now(UTC)

    async def update(self, name: str, payload: Any) -> ActionAccepted:
        model = UPDATE_INPUTS[name].model_validate(acting_in_role(name, payload))
        return await record(self.client, self.participant_id, name, model)

    async def state(self) -> JourneyStatus:
        return await get_status(self.client, self.participant_id)

    async def wait_for_stage(self, stage: Stage) -> JourneyStatus:
        return await poll_for_stage(self.state, stage, self.participant_id, WAIT_SECONDS)


async def _as_owner(stack: Stack, sql: str) -> None:
    assert stack.settings.itc_database_owner_url
    conn = await asyncpg.connect(stack.settings.itc_database_owner_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def poisoned(stack: Stack) -> AsyncIterator[str]:
    """A participant whose lab results the store refuses."""
    participant = fresh_participant("POI")
    await _as_owner(stack, _POISON.format(participant=participant))
    try:
        yield participant
    finally:
        await _as_owner(stack, _CURE)


async def _rows(stack: Stack, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(stack.database_url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def test_a_refused_event_keeps_its_place_escalates_and_loses_nothing_after_it(
    stack: Stack, poisoned: str
) -> None:
    client = await connect(stack.settings)
    consent = consent_record(poisoned, (datetime.now(UTC) - timedelta(days=5)).date())
    await start_journey(client, consent, stack.settings.protocol(), stack.settings.task_queue)
    journey = Journey(client, poisoned)

    labs = await record_labs(journey, GOOD_SCREENING_LABS)
    await record_eligibility(journey)
    await journey.wait_for_stage(Stage.BASELINE)

    async def stored() -> list[asyncpg.Record]:
        return await _rows(
            stack,
            "SELECT sequence, type, payload::text AS payload FROM journey_events WHERE participant_id = $1"
            " ORDER BY sequence",
            poisoned,
        )

    async def store_matches_timeline() -> bool:
        # The journey goes on into baseline meanwhile: wait for a moment when both agree.
        timeline = [(entry.sequence, entry.type) for entry in await get_timeline(client, poisoned)]
        return [(row["sequence"], row["type"]) for row in await stored()] == timeline

    await poll_until(store_matches_timeline, f"{poisoned}'s store to match its timeline", WAIT_SECONDS)
    rows = await stored()
    sequences = [row["sequence"] for row in rows]
    assert sequences == list(range(1, len(rows) + 1)), f"gaps or repeats: {sequences}"

    # The refused event's place holds its stand-in, with everything it said, escaped.
    stand_in = next(row for row in rows if row["sequence"] == labs.sequence)
    assert stand_in["type"] == EventType.EVENT_NOT_STORED.value
    payload = json.loads(stand_in["payload"])
    assert payload["refused_type"] == EventType.LAB_RESULTS_RECORDED.value
    assert payload["sqlstate"] == "22P05"
    copy = json.loads(payload["escaped_copy"])
    assert copy["sequence"] == labs.sequence and copy["type"] == EventType.LAB_RESULTS_RECORDED.value
    assert {result["code"] for result in copy["payload"]["results"]} >= set(GOOD_SCREENING_LABS)

    # Nothing after it was lost: eligibility and the move to baseline are stored, in order.
    later = [row["type"] for row in rows if row["sequence"] > labs.sequence]
    assert EventType.STAGE_CHANGED.value in later and len(later) >= 2

    # Shown on the journey's status, and the supervisor told at once.
    status = await journey.state()
    assert [(u.sequence, u.type, u.sqlstate) for u in status.unstored_events] == [
        (labs.sequence, EventType.LAB_RESULTS_RECORDED.value, "22P05")
    ]
    notices = await _rows(
        stack,
        "SELECT recipient, kind, urgent, body FROM notification_outbox WHERE participant_id = $1 AND kind = $2",
        poisoned,
        "event_not_stored",
    )
    assert [(n["recipient"], n["urgent"]) for n in notices] == [("supervisor", True)]
    assert f"event {labs.sequence}" in notices[0]["body"]
    shown = await stack.ok("status", poisoned)
    assert f"event {labs.sequence} (Lab results recorded) refused by the event store (22P05)" in shown
