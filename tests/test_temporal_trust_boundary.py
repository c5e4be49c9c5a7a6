"""The trust boundary around Temporal (issue 12, H2; issue 14, "identity reaches the journey as
a verified assertion"; 21 CFR 11.10(d), access limited to authorised individuals, and 11.10(e),
the audit trail): a client that reaches Temporal's port without the engine's keys cannot start,
update or signal anything, a role or actor claimed in an input is not trusted, and forged
signals between workflows are ignored and audited. Nothing reaches a journey's state or its
events.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from journey_harness import MockServices, lab_results, start_journey, worker_for
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter

from itc.crypto.keyring import Keyring
from itc.crypto.signal_macs import sign_signal
from itc.drivers.env_journey import consent_record
from itc.models.enums import EventType
from itc.models.identity import ACTOR_NOT_AUTHENTICATED, SIGNAL_NOT_AUTHENTICATED, ActorIdentity
from itc.models.inputs import RecordRefusedActionInput
from itc.models.roles import Role
from itc.models.state import StartJourneyInput
from itc.models.trial import RecordDltOutcomeInput, RecordSaeClockInput, SetTrialPauseInput, StartTrialInput
from itc.models.trial import trial_workflow_id as trial_id_of
from itc.rules.config import ProtocolConfig
from itc.runtime.client_trust import AssertionSigningInterceptor, acting_as
from workflows.trial import TrialWorkflow


def direct_client(env_client: Client, **changes: Any) -> Client:
    """A client of the same server, as an outsider would build it: no interceptors of ours."""
    config = env_client.config()
    config["interceptors"] = []
    config.update(changes)
    return Client(**config)


def screening_labs_body(now: datetime, role: str = "operations", actor: str = "nurse.rahimi") -> dict[str, Any]:
    return {"actor_id": actor, "role": role, "results": lab_results({"creatinine": 1.0}, now)}


async def snapshot(j, services: MockServices) -> tuple[Any, int]:
    await j.settle()
    return await j.state(), len(services.events)


async def test_a_client_without_the_payload_key_cannot_start_update_or_signal(workflow_env, task_queue):
    """Plaintext payloads are refused: the Update is rejected naming the refused encoding, the
    signal is dropped, and a journey started in clear never runs (issue 12, H2)."""
    services = MockServices()
    keyless = direct_client(workflow_env.client, data_converter=pydantic_data_converter)
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        before = await snapshot(j, services)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await keyless.get_workflow_handle(j.handle.id).execute_update(
                "record_lab_results", screening_labs_body(await j.now())
            )
        # The worker could not read its input: it never reached the validator, let alone the journey.
        assert "Failed decoding arguments" in str(refused.value.cause)
        await keyless.get_workflow_handle(j.handle.id).signal(
            "set_trial_pause", {"paused": True, "reason": "forged in clear"}
        )
        assert await snapshot(j, services) == before

        consent = consent_record(f"ITC-{uuid.uuid4().int % 90000 + 10000}", (await j.now()).date())
        started_in_clear = await keyless.start_workflow(
            "ParticipantJourneyWorkflow",
            StartJourneyInput(consent=consent, protocol=ProtocolConfig()),
            id=f"journey-{consent.participant_id}",
            task_queue=task_queue,
        )
        await asyncio.sleep(2)
        history = await started_in_clear.fetch_history()
        await started_in_clear.terminate("test done")
    # Its first workflow task failed, so it recorded nothing and asked for no activity.
    assert not any(e.HasField("activity_task_scheduled_event_attributes") for e in history.events)
    assert any(e.HasField("workflow_task_failed_event_attributes") for e in history.events)
    assert all(e.participant_id != consent.participant_id for e in services.events)


async def test_an_update_without_a_valid_assertion_is_refused(workflow_env, task_queue):
    """Missing, forged (another key) or mismatched assertions: each a named refusal, nothing recorded."""
    services = MockServices()
    no_identity_key = direct_client(workflow_env.client)
    forged_key = direct_client(workflow_env.client, interceptors=[AssertionSigningInterceptor(Keyring.generate())])
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        before = await snapshot(j, services)
        now = await j.now()
        for client in (no_identity_key, forged_key):
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await client.get_workflow_handle(j.handle.id).execute_update(
                    "record_lab_results", screening_labs_body(now)
                )
            assert refused.value.cause.type == ACTOR_NOT_AUTHENTICATED
        # Signed by the engine's key, but for someone other than the actor the input names.
        lab_technician = ActorIdentity(person_id="lab.tehrani", roles=[Role.LAB], acting_role=Role.LAB)
        with acting_as(lab_technician), pytest.raises(WorkflowUpdateFailedError) as mismatched:
            await j.handle.execute_update("record_lab_results", screening_labs_body(now, role="lab"))
        assert mismatched.value.cause.type == ACTOR_NOT_AUTHENTICATED
        assert "names actor nurse.rahimi" in mismatched.value.cause.message
        assert await snapshot(j, services) == before
        # The same request from the engine's own client is accepted.
        await j.update("record_lab_results", screening_labs_body(now))


async def test_a_role_claim_without_an_assertion_cannot_resume_a_paused_trial(workflow_env, task_queue):
    """Issue 12, H2: an Update that says `role: supervisor` resumed a safety-paused trial."""
    protocol = ProtocolConfig(trial_id=f"TEST-{uuid.uuid4().hex[:10]}")
    keys_holder = worker_for(workflow_env.client, task_queue, MockServices())
    async with keys_holder:
        trial = await workflow_env.client.start_workflow(
            TrialWorkflow.run,
            StartTrialInput(protocol=protocol),
            id=trial_id_of(protocol.trial_id),
            task_queue=task_queue,
        )
        signals = _worker_signal_keys()
        for index in range(3):
            outcome = RecordDltOutcomeInput(participant_id=f"ITC-{index + 500}", dlt=True)
            await trial.signal(
                TrialWorkflow.record_dlt_outcome, sign_signal(signals, "record_dlt_outcome", trial.id, outcome)
            )
        assert (await trial.query(TrialWorkflow.get_trial_state)).paused
        claimant = direct_client(workflow_env.client).get_workflow_handle(trial.id)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await claimant.execute_update(
                "resume_trial", {"actor_id": "dr.karimi", "role": "supervisor", "reason": "claimed to be a supervisor"}
            )
        assert refused.value.cause.type == ACTOR_NOT_AUTHENTICATED
        status = await trial.query(TrialWorkflow.get_trial_state)
        await trial.terminate("test done")
    assert status.paused and [d.action for d in status.decisions] == ["pause"]


def _worker_signal_keys() -> Keyring:
    from itc.base.settings import Settings
    from itc.crypto.engine_keys import resolve_engine_keys

    return resolve_engine_keys(Settings()).signals


async def test_forged_signals_to_the_trial_are_ignored_and_listed(workflow_env, task_queue):
    """Issue 12, H2: three invented DLT outcomes paused the trial and a fake "acknowledged"
    removed an escalated SAE clock. Sent by a client holding the payload key, without the
    workers' signal key, or with a MAC for other content, they change nothing."""
    protocol = ProtocolConfig(trial_id=f"TEST-{uuid.uuid4().hex[:10]}")
    forger = direct_client(workflow_env.client)
    async with worker_for(workflow_env.client, task_queue, MockServices()):
        trial = await workflow_env.client.start_workflow(
            TrialWorkflow.run,
            StartTrialInput(protocol=protocol),
            id=trial_id_of(protocol.trial_id),
            task_queue=task_queue,
        )
        signals = _worker_signal_keys()
        clock = RecordSaeClockInput(
            participant_id="ITC-601", ae_id="AE-1", clock="sponsor-24h", due_at=datetime(2026, 12, 2, tzinfo=UTC),
            status="escalated",
        )  # fmt: skip
        await trial.signal(TrialWorkflow.record_sae_clock, sign_signal(signals, "record_sae_clock", trial.id, clock))
        forged = forger.get_workflow_handle(trial.id)
        for index in range(3):
            await forged.signal(
                "record_dlt_outcome", RecordDltOutcomeInput(participant_id=f"ITC-{index + 600}", dlt=True)
            )
        acknowledged = clock.model_copy(update={"status": "acknowledged"})
        other_key = sign_signal(Keyring.generate(signals.active_id), "record_sae_clock", trial.id, acknowledged)
        await forged.signal("record_sae_clock", other_key)
        # A genuine MAC moved onto other content.
        genuine = sign_signal(
            signals, "record_dlt_outcome", trial.id, RecordDltOutcomeInput(participant_id="ITC-650", dlt=False)
        )
        await forged.signal("record_dlt_outcome", genuine.model_copy(update={"dlt": True}))
        status = await trial.query(TrialWorkflow.get_trial_state)
        await trial.terminate("test done")
    assert (status.paused, status.evaluable, status.dlts) == (False, 0, 0)
    assert [(c.participant_id, c.status) for c in status.open_sae_clocks] == [("ITC-601", "escalated")]
    assert [r.signal for r in status.refused_signals] == ["record_dlt_outcome"] * 3 + [
        "record_sae_clock",
        "record_dlt_outcome",
    ]
    assert [r.problem for r in status.refused_signals] == ["it carries no MAC"] * 3 + [
        "its MAC does not verify",  # same key ID, another key
        "its MAC does not verify",  # the genuine MAC of other content
    ]


async def test_forged_signals_to_a_journey_are_ignored_and_audited(workflow_env, task_queue):
    """Issue 12, H2: a single journey could be un-paused, and forged ActionRefused entries
    attributed to anyone. The forgeries join the audit trail as refused, attributed to no one."""
    services = MockServices()
    forger = direct_client(workflow_env.client)
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        forged = forger.get_workflow_handle(j.handle.id)
        await forged.signal("set_trial_pause", SetTrialPauseInput(paused=True, reason="forged pause"))
        await forged.signal(
            "record_refused_action",
            RecordRefusedActionInput(
                update="record_death", actor_id="dr.karimi", role=Role.OPERATIONS, refusal="RoleNotPermitted",
                message="invented refusal", refused_by="api",
            ),
        )  # fmt: skip
        await j.settle()
        state = await j.state()
    assert not state.trial_paused
    refused = [e for e in services.events if e.type is EventType.ACTION_REFUSED]
    assert [(e.payload["update"], e.payload["refusal"], e.payload["refused_by"], e.actor) for e in refused] == [
        ("set_trial_pause", SIGNAL_NOT_AUTHENTICATED, "worker", "unauthenticated"),
        ("record_refused_action", SIGNAL_NOT_AUTHENTICATED, "worker", "unauthenticated"),
    ]
    assert all(e.actor != "dr.karimi" for e in services.events)
