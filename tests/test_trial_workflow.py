"""The trial: enrolment cap under concurrent starts, BOIN boundaries, pause and resume, SAE clocks.

Each test gets a test server of its own (`workflow_env` below overrides the shared one): a
server that already holds other tests' journeys was seen to time out enrolment Updates.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

import pytest
from journey_harness import (
    STAFF,
    SUPERVISOR,
    Journey,
    MockServices,
    advance_to,
    consent_record,
    drive_to_infusion,
    give_infusion,
    worker_for,
)
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from activities.trial_reports import TrialReportActivities
from itc.base.errors import EnrolmentClosed
from itc.base.settings import Settings
from itc.crypto.engine_keys import resolve_engine_keys
from itc.models.enums import Stage
from itc.models.trial import (
    RecordDltOutcomeInput,
    ReportDltOutcomeInput,
    ResumeTrialInput,
    StartTrialInput,
    trial_workflow_id,
)
from itc.rules.config import ProtocolConfig
from itc.rules.protocols import register_protocol
from itc.runtime.journeys import journey_id, start_journey
from itc.runtime.worker import reporting_client
from workflows.trial import TrialWorkflow


@pytest.fixture
def workflow_env(isolated_workflow_env):
    return isolated_workflow_env


def fresh_protocol() -> ProtocolConfig:
    return ProtocolConfig(trial_id=f"TEST-{uuid.uuid4().hex[:10]}")


def worker_reports(env, protocol):
    """The trial as journeys report to it: through a worker's client, which signs with the signal key."""
    keys = resolve_engine_keys(Settings())
    return reporting_client(env.client, keys).get_workflow_handle(trial_workflow_id(protocol.trial_id))


async def enrol(env, task_queue, protocol, participant_id):
    consent = consent_record(participant_id, (await env.get_current_time()).date())
    await start_journey(env.client, consent, protocol, task_queue)
    return Journey(env, env.client.get_workflow_handle(journey_id(participant_id)), None)


async def test_forty_concurrent_starts_enrol_exactly_thirty_two(workflow_env, task_queue):
    protocol = fresh_protocol()
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        today = (await workflow_env.get_current_time()).date()
        consents = [consent_record(f"CAP-{i:03d}", today) for i in range(40)]
        results = await asyncio.gather(
            *(start_journey(workflow_env.client, c, protocol, task_queue) for c in consents), return_exceptions=True
        )
        started = [r for r in results if isinstance(r, str)]
        refused = [r for r in results if isinstance(r, EnrolmentClosed)]
        trial = workflow_env.client.get_workflow_handle(trial_workflow_id(protocol.trial_id))
        status = await trial.query(TrialWorkflow.get_trial_state)
        running = 0
        for consent in consents:
            handle = workflow_env.client.get_workflow_handle(journey_id(consent.participant_id))
            try:
                await handle.terminate("test done")  # also keeps the shared test server quiet
                running += 1
            except Exception:
                pass
        await trial.terminate("test done")
    assert len(started) == 32 and len(refused) == 8, results
    assert all("Enrolment is full: 32 of 32" in r.message for r in refused)
    assert status.enrolled == 32 and running == 32


# Outcome orders that reach each boundary of the protocol's table and never cross one earlier.
BOUNDARY_SEQUENCES = {
    3: [True, True, True],
    6: [False, False, True, True, True, True],
    9: [False, False, False, False, True, True, True, True, True],
}


@pytest.mark.parametrize("evaluable", sorted(BOUNDARY_SEQUENCES))
async def test_boin_boundary_pauses_exactly_at_the_boundary(workflow_env, task_queue, evaluable):
    protocol = fresh_protocol()
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        trial = await workflow_env.client.start_workflow(
            TrialWorkflow.run,
            StartTrialInput(protocol=protocol),
            id=trial_workflow_id(protocol.trial_id),
            task_queue=task_queue,
        )
        outcomes = BOUNDARY_SEQUENCES[evaluable]
        for index, dlt in enumerate(outcomes):
            await worker_reports(workflow_env, protocol).signal(
                TrialWorkflow.record_dlt_outcome, RecordDltOutcomeInput(participant_id=f"ITC-{index + 100}", dlt=dlt)
            )
            status = await trial.query(TrialWorkflow.get_trial_state)
            assert status.paused is (index == len(outcomes) - 1), status.decision
        await asyncio.sleep(0.3)
        await trial.terminate("test done")
    assert status.evaluable == evaluable and status.dlts == sum(outcomes)
    assert "Safety stopping boundary met" in status.pause_reason
    assert services.side_effects() == [
        ("send_notification", "supervisor:trial_paused"),
        ("send_notification", "sponsor:trial_paused"),
    ]


async def test_one_dlt_short_of_the_boundary_does_not_pause(workflow_env, task_queue):
    protocol = fresh_protocol()
    async with worker_for(workflow_env.client, task_queue, MockServices()):
        trial = await workflow_env.client.start_workflow(
            TrialWorkflow.run,
            StartTrialInput(protocol=protocol),
            id=trial_workflow_id(protocol.trial_id),
            task_queue=task_queue,
        )
        for index, dlt in enumerate([False, False, False, True, True, True, False, False, True]):
            await worker_reports(workflow_env, protocol).signal(
                TrialWorkflow.record_dlt_outcome, RecordDltOutcomeInput(participant_id=f"ITC-{index + 200}", dlt=dlt)
            )
        status = await trial.query(TrialWorkflow.get_trial_state)
        await trial.terminate("test done")
    assert (status.evaluable, status.dlts, status.boundary, status.paused) == (9, 4, 5, False)


async def test_pause_blocks_and_resume_unblocks_a_pending_infusion(workflow_env, task_queue):
    protocol = fresh_protocol()
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await enrol(workflow_env, task_queue, protocol, "ITC-301")
        j.services = services
        await drive_to_infusion(j)
        await advance_to(j, (await j.state()).infusions[0].target_at)
        trial = workflow_env.client.get_workflow_handle(trial_workflow_id(protocol.trial_id))
        for index in range(3):
            await worker_reports(workflow_env, protocol).signal(
                TrialWorkflow.record_dlt_outcome, RecordDltOutcomeInput(participant_id=f"ITC-{index + 400}", dlt=True)
            )
        for _ in range(50):
            if (await j.state()).trial_paused:
                break
            await asyncio.sleep(0.1)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await give_infusion(j, 1)
        assert "paused trial-wide" in str(refused.value.cause)
        with pytest.raises(EnrolmentClosed):
            await enrol(workflow_env, task_queue, protocol, "ITC-302")

        with pytest.raises(WorkflowUpdateFailedError) as wrong_role:
            await trial.execute_update(
                TrialWorkflow.resume_trial,
                ResumeTrialInput(actor_id="nurse.rahimi", role="operations", reason="Looks fine to me now"),
            )
        assert wrong_role.value.cause.type == "RoleNotPermitted"
        assert (
            wrong_role.value.cause.message == "The operations role may not resume the trial; that is for: supervisor."
        )
        await trial.execute_update(
            TrialWorkflow.resume_trial,
            ResumeTrialInput(
                actor_id=SUPERVISOR, role="supervisor", reason="DSMB reviewed the three DLTs; dose level confirmed"
            ),
        )
        for _ in range(50):
            if not (await j.state()).trial_paused:
                break
            await asyncio.sleep(0.1)
        accepted = await give_infusion(j, 1)
        status = await trial.query(TrialWorkflow.get_trial_state)
        await j.handle.terminate("test done")
    assert accepted.stage is Stage.INFUSION
    assert [d.action for d in status.decisions] == ["pause", "resume"] and status.decisions[1].actor == SUPERVISOR
    assert services.event_types().count("TrialPauseChanged") == 2


async def test_trial_view_lists_open_sae_clocks_until_acknowledged(workflow_env, task_queue):
    protocol = fresh_protocol()
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services, real_trial_reports=True):
        j = await enrol(workflow_env, task_queue, protocol, "ITC-501")
        j.services = services
        await drive_to_infusion(j)
        await advance_to(j, (await j.state()).infusions[0].target_at)
        await give_infusion(j, 1)
        await j.update(
            "record_adverse_event",
            {
                "actor_id": STAFF,
                "term": "febrile_neutropenia",
                "category": "haematological",
                "grade": 3,
                "attribution": "possible",
                "serious": True,
                "onset_at": (await j.now()).isoformat(),
            },
        )
        trial = workflow_env.client.get_workflow_handle(trial_workflow_id(protocol.trial_id))
        status = await trial.query(TrialWorkflow.get_trial_state)
        assert [(c.participant_id, c.ae_id, c.clock, c.status) for c in status.open_sae_clocks] == [
            ("ITC-501", "AE-1", "sponsor_24h", "open")
        ]
        assert status.open_sae_clocks[0].due_at == (await j.state()).open_sae_clocks[0].due_at
        await j.advance(timedelta(hours=25))
        status = await trial.query(TrialWorkflow.get_trial_state)
        assert [c.status for c in status.open_sae_clocks] == ["escalated"]
        await j.update(
            "record_supervisor_decision",
            {
                "actor_id": SUPERVISOR,
                "decision": "sae_reported_to_sponsor",
                "ae_id": "AE-1",
                "reason": "Sponsor informed by phone",
            },
        )
        await asyncio.sleep(0.3)
        status = await trial.query(TrialWorkflow.get_trial_state)
        await j.handle.terminate("test done")
    assert status.open_sae_clocks == []


async def update_inputs(client, workflow_id: str) -> list[dict]:
    """The decoded arguments of every Update the workflow accepted, as JSON objects."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    accepted = [
        e.workflow_execution_update_accepted_event_attributes.accepted_request.input.args
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    codec = client.data_converter.payload_codec
    decoded = [await codec.decode(list(args.payloads)) if codec else list(args.payloads) for args in accepted]
    return [json.loads(payload.data) for payloads in decoded for payload in payloads]


async def test_an_amendment_reaches_the_trial_once_and_its_journeys(workflow_env, task_queue):
    protocol = fresh_protocol()
    amendment = protocol.model_copy(update={"version": "itc-1.1-test", "target_enrolment": 5})
    async with worker_for(workflow_env.client, task_queue, MockServices()):
        first = await enrol(workflow_env, task_queue, protocol, "ITC-601")
        amended = [await enrol(workflow_env, task_queue, amendment, f"ITC-60{n}") for n in (2, 3)]
        versions = [(await j.state()).protocol_version for j in (first, *amended)]
        inputs = await update_inputs(workflow_env.client, trial_workflow_id(protocol.trial_id))
        status = await workflow_env.client.get_workflow_handle(trial_workflow_id(protocol.trial_id)).query(
            TrialWorkflow.get_trial_state
        )
        for j in (first, *amended):
            await j.handle.terminate("test done")
        await workflow_env.client.get_workflow_handle(trial_workflow_id(protocol.trial_id)).terminate("test done")
    assert versions == ["itc-1.0", "itc-1.1-test", "itc-1.1-test"]
    # The trial keeps its own configuration; the amendment travelled with one enrolment only.
    assert status.protocol_version == "itc-1.0" and status.target == 32
    assert [(i["protocol_version"], i["protocol"] is not None) for i in inputs] == [
        ("itc-1.0", False),
        (None, True),
        ("itc-1.1-test", False),
    ]


async def test_a_report_names_the_version_and_starts_the_trial_from_the_known_protocol(workflow_env, task_queue):
    protocol = register_protocol(fresh_protocol().model_copy(update={"version": f"itc-1.0-{uuid.uuid4().hex[:6]}"}))
    # The activities as the worker holds them: its client signs the reports with the signal key.
    reports = TrialReportActivities(reporting_client(workflow_env.client, resolve_engine_keys(Settings())), task_queue)
    report = ReportDltOutcomeInput(
        trial_workflow_id=trial_workflow_id(protocol.trial_id),
        protocol_version=protocol.version,
        outcome=RecordDltOutcomeInput(participant_id="ITC-701", dlt=True),
    )
    assert "protocol" not in report.model_dump(exclude_none=True)
    async with worker_for(workflow_env.client, task_queue, MockServices()):
        await reports.report_dlt_outcome(report)
        trial = workflow_env.client.get_workflow_handle(report.trial_workflow_id)
        status = await trial.query(TrialWorkflow.get_trial_state)
        unknown = report.model_copy(
            update={"trial_workflow_id": trial_workflow_id("NO-SUCH-TRIAL"), "protocol_version": "itc-9.9"}
        )
        with pytest.raises(ApplicationError) as refused:
            await reports.report_dlt_outcome(unknown)
        await trial.terminate("test done")
    assert (status.trial_id, status.protocol_version, status.evaluable, status.dlts) == (
        protocol.trial_id,
        protocol.version,
        1,
        1,
    )
    assert refused.value.type == "UnknownProtocolVersion" and not refused.value.non_retryable
