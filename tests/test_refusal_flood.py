"""Refusals without history growth (issue 12, H3): a flood of refused requests once drove a
journey to Temporal's history limit, about four events per refusal. Refusals now go to the
event store's append-only refused_actions table; the audit trail (21 CFR 11.10(e), ICH E6(R3)
4.2.2) still shows each with actor, role and message. On the real stack: dev server, embedded
PostgreSQL, worker process and the API.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from fixtures_api import PEOPLE, Api, api_settings, ensure_people, screening_labs
from fixtures_devstack import WAIT_SECONDS, Stack, fresh_participant
from temporalio.client import WorkflowExecutionStatus

from itc.api.app import create_app
from itc.models.roles import Role
from itc.runtime.database import close_pool, open_pool
from itc.runtime.journeys import journey_id
from itc.runtime.temporal_client import connect

FLOOD = 300
OPS = Api.auth(Role.OPERATIONS)
SUPERVISOR = Api.auth(Role.SUPERVISOR)


async def settled_history_length(handle) -> int:
    """The history's length once the accepted action's activities have all run (unchanged for 2 s)."""
    deadline = time.monotonic() + WAIT_SECONDS
    length = -1
    while True:
        current = len((await handle.fetch_history()).events)
        if current == length:
            return current
        assert time.monotonic() < deadline, "the journey never settled"
        length = current
        await asyncio.sleep(2)


@pytest.fixture(scope="module")
async def flood_api(stack: Stack) -> AsyncIterator[Api]:
    """The API with a write rate limit above the flood, so every request reaches the refusal."""
    client = await connect(stack.settings)
    pool = await open_pool(stack.database_url)
    settings = api_settings(stack).model_copy(update={"itc_api_write_burst": 10 * FLOOD})
    try:
        await ensure_people(pool)
        app: FastAPI = create_app(stack.settings, client, pool, settings)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            yield Api(app, http, stack)
    finally:
        await close_pool(pool)


async def test_a_flood_of_refused_requests_leaves_the_history_unchanged_and_the_journey_alive(flood_api: Api) -> None:
    participant = fresh_participant("FLD")
    await flood_api.start(participant)
    accepted = await flood_api.http.post(f"/api/journeys/{participant}/lab-results", json=screening_labs(), headers=OPS)
    assert accepted.status_code == 200, accepted.text
    client = await connect(flood_api.stack.settings)
    handle = client.get_workflow_handle(journey_id(participant))
    before = await settled_history_length(handle)

    decision = {"decision": "off_study", "reason": "not this nurse's decision"}
    for _ in range(FLOOD):
        refused = await flood_api.http.post(f"/api/journeys/{participant}/decision", json=decision, headers=OPS)
        assert refused.status_code == 403

    assert len((await handle.fetch_history()).events) == before
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    assert await flood_api.stage(participant) == "screening"
    audit = (await flood_api.http.get(f"/api/journeys/{participant}/audit", headers=SUPERVISOR)).json()
    refusals = [event for event in audit if event["type"] == "ActionRefused"]
    assert len(refusals) == FLOOD
    assert {(r["actor"], r["actor_role"], r["payload"]["update"]) for r in refusals} == {
        (PEOPLE[Role.OPERATIONS], "operations", "record_supervisor_decision")
    }
    # Still open to the next action after the flood.
    again = await flood_api.http.post(f"/api/journeys/{participant}/lab-results", json=screening_labs(), headers=OPS)
    assert again.status_code == 200, again.text


@pytest.mark.parametrize(
    "statement",
    ["UPDATE refused_actions SET actor = 'someone-else'", "DELETE FROM refused_actions", "TRUNCATE refused_actions"],
)
async def test_refused_actions_cannot_be_changed_or_removed(db_pool: asyncpg.Pool, statement: str) -> None:
    """Append-only like journey_events, by the database's own trigger (the engine's role may
    not even try: it holds INSERT and SELECT only, tests/test_eventstore_privileges.py)."""
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO refused_actions (participant_id, update_name, actor, refusal, message, refused_by)"
            " VALUES ('ITC-999', 'record_death', 'someone', 'RoleNotPermitted', 'no', 'api')"
        )
        with pytest.raises(asyncpg.RestrictViolationError, match="refused_actions is append-only"):
            await conn.execute(statement)
        assert await conn.fetchval("SELECT actor FROM refused_actions") == "someone"
