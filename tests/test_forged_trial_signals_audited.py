"""Forged and replayed signals to the trial reach the permanent audit (issue 12, H2: "forged
journey-to-trial signals paused the trial"; "forged signals ignored and audited").

The trial ignores them and lists the latest in its status; each is also written, through an
activity, to the event store's append-only `refused_actions` (real PostgreSQL here), filed
under the trial's workflow ID with the engine's own reason and nothing the sender wrote. A
flood of forgeries makes the trial continue as new like any other signals would.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from fixtures_codec import SESSION_SIGNAL_KEYS
from journey_harness import MockServices, worker_for
from temporalio.client import Client
from temporalio.worker import Worker

from activities import names
from activities.journey_activities import JourneyActivities
from itc.crypto.signal_macs import sign_signal
from itc.drivers.env_journey import activity_definition_name
from itc.drivers.quiescence import poll_until, wait_quiescent
from itc.eventstore.store import EventStore
from itc.models.identity import SIGNAL_NOT_AUTHENTICATED, SIGNAL_REPLAYED
from itc.models.trial import RecordDltOutcomeInput, RecordSaeClockInput, StartTrialInput
from itc.models.trial import trial_workflow_id as trial_id_of
from itc.rules.config import ProtocolConfig
from itc.services.postgres import PostgresLabService, PostgresNotificationService, PostgresSchedulingService
from itc.services.postgres_slots import PostgresManufacturingSlots
from workflows.trial import LISTED_REFUSED_SIGNALS, MAX_HANDLED_PER_RUN, REPLAYED_REPORT, TrialWorkflow

# Invented identifying text in a forged report: it must not reach the audit.
PHI_LIKE = "Jane Example, born 1970-01-01"


def worker_auditing_to(client: Client, task_queue: str, pool: asyncpg.Pool) -> Worker:
    """The test workers' mocks, but refused signals go to the real event store."""
    from itc.base.settings import Settings
    from itc.crypto.engine_keys import resolve_engine_keys
    from itc.runtime.worker import worker_interceptors
    from workflows.journey import ParticipantJourneyWorkflow
    from workflows.runner import workflow_runner

    real = JourneyActivities(
        EventStore(pool),
        PostgresNotificationService(pool),
        PostgresLabService(pool),
        PostgresSchedulingService(pool),
        PostgresManufacturingSlots(pool),
    )
    mocked = [a for a in MockServices().activities() if activity_definition_name(a) != names.RECORD_REFUSED_SIGNAL]
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[ParticipantJourneyWorkflow, TrialWorkflow],
        activities=[*mocked, real.record_refused_signal],
        workflow_runner=workflow_runner(),
        interceptors=worker_interceptors(resolve_engine_keys(Settings())),
    )


def forger_of(env_client: Client) -> Client:
    config = env_client.config()
    config["interceptors"] = []
    return Client(**config)


async def refusals_of(pool: asyncpg.Pool, workflow_id: str, expected: int) -> list[asyncpg.Record]:
    for _ in range(900):
        rows = await pool.fetch(
            "SELECT * FROM refused_actions WHERE participant_id = $1 ORDER BY refusal_id", workflow_id
        )
        if len(rows) >= expected:
            return list(rows)
        await asyncio.sleep(0.1)
    raise AssertionError(f"{expected} refusals of {workflow_id} never reached the event store")


@pytest.fixture
def workflow_env(isolated_workflow_env):
    """A server of this module's own: the flood below has stalled a shared time-skipping server
    under load, and every later test on that server then timed out."""
    return isolated_workflow_env


async def test_forged_and_replayed_trial_signals_are_written_to_refused_actions_without_phi(
    workflow_env, task_queue, db_pool
):
    protocol = ProtocolConfig(trial_id=f"TEST-{uuid.uuid4().hex[:10]}")
    async with worker_auditing_to(workflow_env.client, task_queue, db_pool):
        trial = await workflow_env.client.start_workflow(
            TrialWorkflow.run,
            StartTrialInput(protocol=protocol),
            id=trial_id_of(protocol.trial_id),
            task_queue=task_queue,
        )
        forged = forger_of(workflow_env.client).get_workflow_handle(trial.id)
        # Unsigned: an invented DLT carrying identifying text, and a fake acknowledgement.
        await forged.signal(
            "record_dlt_outcome", RecordDltOutcomeInput(participant_id="ITC-801", dlt=True, description=PHI_LIKE)
        )
        await forged.signal(
            "record_sae_clock",
            RecordSaeClockInput(
                participant_id="ITC-801", ae_id="AE-1", clock="sponsor_24h",
                due_at=datetime(2026, 12, 2, tzinfo=UTC), status="acknowledged",
            ),
        )  # fmt: skip
        # A genuine report, then the same captured report sent again.
        genuine = sign_signal(
            SESSION_SIGNAL_KEYS,
            "record_dlt_outcome",
            trial.id,
            RecordDltOutcomeInput(participant_id="ITC-802", dlt=False, report_sequence=1),
        )
        await forged.signal("record_dlt_outcome", genuine)
        await forged.signal("record_dlt_outcome", genuine)
        rows = await refusals_of(db_pool, trial.id, 3)
        status = await trial.query(TrialWorkflow.get_trial_state)
        await trial.terminate("test done")
    assert (status.paused, status.evaluable, status.dlts) == (False, 1, 0)
    assert [(r["update_name"], r["refusal"], r["actor"], r["actor_role"], r["refused_by"]) for r in rows] == [
        ("record_dlt_outcome", SIGNAL_NOT_AUTHENTICATED, "unauthenticated", None, "worker"),
        ("record_sae_clock", SIGNAL_NOT_AUTHENTICATED, "unauthenticated", None, "worker"),
        ("record_dlt_outcome", SIGNAL_REPLAYED, "unauthenticated", None, "worker"),
    ]
    assert [r["message"] for r in rows] == ["it carries no MAC", "it carries no MAC", REPLAYED_REPORT]
    assert len({r["request_id"] for r in rows}) == 3
    # Nothing the forger wrote reaches the audit: no text, no participant it named.
    for row in rows:
        assert all("Jane" not in str(v) and "ITC-80" not in str(v) for v in row.values())


async def test_a_flood_of_forged_signals_leaves_the_trial_bounded_and_every_one_audited(workflow_env, task_queue):
    """Each forgery counts towards the trial's continue-as-new like a genuine signal, so a flood
    cannot push its history to Temporal's limit; its state lists only the latest refusals, and
    every one is audited (here to the mocked activity, which keeps each audit key once)."""
    services = MockServices()
    protocol = ProtocolConfig(trial_id=f"TEST-{uuid.uuid4().hex[:10]}")
    flood = MAX_HANDLED_PER_RUN + 20
    async with worker_for(workflow_env.client, task_queue, services):
        trial = await workflow_env.client.start_workflow(
            TrialWorkflow.run,
            StartTrialInput(protocol=protocol),
            id=trial_id_of(protocol.trial_id),
            task_queue=task_queue,
        )
        first_run = (await trial.describe()).run_id
        forged = forger_of(workflow_env.client).get_workflow_handle(trial.id)
        forgery = RecordDltOutcomeInput(participant_id="ITC-803", dlt=True)
        # A few at a time, each with a deadline that holds on a busy machine.
        for start in range(0, flood, 10):
            await asyncio.gather(
                *(
                    forged.signal("record_dlt_outcome", forgery, rpc_timeout=timedelta(minutes=2))
                    for _ in range(start, min(start + 10, flood))
                )
            )
        for _ in range(1800):  # three minutes, for a machine shared with other jobs
            if len(services.refused_signals) >= flood:
                break
            await asyncio.sleep(0.1)

        # The continue-as-new comes a workflow task or more after the last audit has run, once
        # every handler has finished. Read at once, on a busy machine the first run was still
        # open, and a query sent while the run changed timed out on the time-skipping server.
        # The handle follows the chain: wait for a new run, then for it to go idle, then ask.
        async def continued_as_new() -> bool:
            return (await trial.describe()).run_id != first_run

        with contextlib.suppress(TimeoutError):  # the assertion below says what went wrong
            await poll_until(continued_as_new, "the trial continuing as new", timeout=180)
        current_run = (await trial.describe()).run_id
        await wait_quiescent(workflow_env.client, trial.id, timeout=180)
        status = await trial.query(TrialWorkflow.get_trial_state)
        await trial.terminate("test done")
    assert len({r.audit_key for r in services.refused_signals}) == flood
    assert current_run != first_run, "the flood never made the trial continue as new"
    assert len(status.refused_signals) <= LISTED_REFUSED_SIGNALS
    assert (status.paused, status.evaluable) == (False, 0)
