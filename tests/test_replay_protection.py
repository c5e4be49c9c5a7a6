"""Replay protection at the trust boundary around Temporal (issue 12, H2).

A MAC proves a worker sent a signal, and an actor assertion proves the engine vouched for an
Update; neither proves the message is sent for the first time. Anyone who can read history
or the wire can send a captured one again. So:

- a journey numbers its reports to the trial (under the MAC), and the trial accepts each
  journey's reports in increasing order only: a report sent again is ignored and audited;
- an Update's assertion is valid for a window after it was issued (5 minutes by default),
  checked when the Update is first validated; a stale or future-dated one is refused.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fixtures_codec import SESSION_IDENTITY_KEYS, SESSION_SIGNAL_KEYS
from fixtures_temporal import encrypt_headers_like_production
from journey_harness import MockServices, lab_results, start_journey, worker_for
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    StartWorkflowUpdateInput,
    WorkflowUpdateFailedError,
)

from itc.crypto.assertions import AssertionRefused, bind, check_fresh, sign_assertion
from itc.crypto.signal_macs import sign_signal
from itc.journey.trial_reports import dlt_outcome_report, sae_clock_report
from itc.models.identity import ACTOR_NOT_AUTHENTICATED, ASSERTION_HEADER, SIGNAL_REPLAYED, ActorIdentity
from itc.models.inputs import RecordLabResultsInput
from itc.models.roles import Role
from itc.models.trial import RecordDltOutcomeInput, RecordSaeClockInput, StartTrialInput
from itc.models.trial import trial_workflow_id as trial_id_of
from itc.rules.config import ProtocolConfig
from workflows.trial import REPLAYED_REPORT, TrialWorkflow

NURSE = ActorIdentity(person_id="nurse.rahimi", roles=[Role.OPERATIONS], acting_role=Role.OPERATIONS)


def signed(signal: str, trial_id: str, arg: Any) -> Any:
    return sign_signal(SESSION_SIGNAL_KEYS, signal, trial_id, arg)


async def test_a_journeys_reports_are_numbered_in_the_order_they_are_made():
    from itc.drivers.env_journey import consent_record
    from itc.models.state import JourneyState, SaeClock

    state = JourneyState(consent=consent_record("ITC-700", datetime(2026, 12, 1).date()), protocol=ProtocolConfig())
    first = dlt_outcome_report(state, False, None)
    clock = SaeClock.model_validate(
        {
            "ae_id": "AE-1",
            "clock": "sponsor_24h",
            "due_at": datetime(2026, 12, 2, tzinfo=UTC),
            "started_at": datetime(2026, 12, 1, tzinfo=UTC),
        }
    )
    second = sae_clock_report(state, clock, "open")
    assert (first.outcome.report_sequence, second.clock.report_sequence) == (1, 2)
    assert state.trial_reports_sent == 2


async def test_a_captured_report_sent_again_is_ignored_and_audited(workflow_env, task_queue):
    """A genuine, signed SAE clock 'escalated' captured and sent again after its 'acknowledged'
    would reopen the clock; a DLT report sent again would count twice. Both are refused as
    repeats (their MAC still verifies), listed by the trial and written to the audit."""
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        protocol = ProtocolConfig(trial_id=f"TEST-{uuid.uuid4().hex[:10]}")
        trial = await workflow_env.client.start_workflow(
            TrialWorkflow.run,
            StartTrialInput(protocol=protocol),
            id=trial_id_of(protocol.trial_id),
            task_queue=task_queue,
        )
        clock = RecordSaeClockInput(
            participant_id="ITC-701", ae_id="AE-1", clock="sponsor-24h", due_at=datetime(2026, 12, 2, tzinfo=UTC),
            status="escalated", report_sequence=1,
        )  # fmt: skip
        escalated = signed("record_sae_clock", trial.id, clock)
        acknowledged = signed(
            "record_sae_clock", trial.id, clock.model_copy(update={"status": "acknowledged", "report_sequence": 2})
        )
        dlt = signed(
            "record_dlt_outcome", trial.id, RecordDltOutcomeInput(participant_id="ITC-701", dlt=True, report_sequence=3)
        )
        for name, report in (
            ("record_sae_clock", escalated),
            ("record_sae_clock", acknowledged),
            ("record_dlt_outcome", dlt),
        ):
            await trial.signal(name, report)
        # The captured ones, sent again as they were.
        await trial.signal("record_sae_clock", escalated)
        await trial.signal("record_dlt_outcome", dlt)
        status = await trial.query(TrialWorkflow.get_trial_state)
        await poll_until(lambda: len(services.refused_signals) == 2)
        await trial.terminate("test done")
    assert status.open_sae_clocks == []
    assert (status.evaluable, status.dlts) == (1, 1)
    assert [(r.signal, r.problem) for r in status.refused_signals] == [
        ("record_sae_clock", REPLAYED_REPORT),
        ("record_dlt_outcome", REPLAYED_REPORT),
    ]
    assert [(r.signal, r.refusal, r.workflow_id) for r in services.refused_signals] == [
        ("record_sae_clock", SIGNAL_REPLAYED, trial.id),
        ("record_dlt_outcome", SIGNAL_REPLAYED, trial.id),
    ]


async def poll_until(condition, seconds: float = 30.0) -> None:
    import asyncio

    for _ in range(int(seconds * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


class _BackdatedSigner(OutboundInterceptor):
    """Signs every Update with the engine's identity key, dated `issued_at`: as a request
    captured then, or from a sender whose clock runs ahead."""

    def __init__(self, next: OutboundInterceptor, issued_at: datetime) -> None:
        super().__init__(next)
        self._issued_at = issued_at

    async def start_workflow_update(self, input: StartWorkflowUpdateInput) -> Any:
        from temporalio.contrib.pydantic import pydantic_data_converter

        input.update_id = input.update_id or str(uuid.uuid4())
        binding = bind(input.update, input.update_id, input.id, input.args[0])
        assertion = sign_assertion(SESSION_IDENTITY_KEYS, NURSE, binding, self._issued_at)
        [header] = pydantic_data_converter.payload_converter.to_payloads([assertion])
        input.headers = {**input.headers, ASSERTION_HEADER: header}
        return await self.next.start_workflow_update(input)


class _Backdated(Interceptor):
    def __init__(self, issued_at: datetime) -> None:
        self._issued_at = issued_at

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _BackdatedSigner(next, self._issued_at)


def signing_at(env_client: Client, issued_at: datetime) -> Client:
    config = env_client.config()
    config["interceptors"] = [_Backdated(issued_at)]
    client = Client(**config)
    encrypt_headers_like_production(client)
    return client


async def test_an_update_whose_assertion_is_stale_or_from_the_future_is_refused(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await j.settle()
        before = (await j.state(), len(services.events))
        now = datetime.now(UTC)
        for issued_at, why in ((now - timedelta(minutes=10), "s ago"), (now + timedelta(minutes=5), "in the future")):
            labs = RecordLabResultsInput.model_validate(
                {
                    "actor_id": "nurse.rahimi",
                    "role": "operations",
                    "results": lab_results({"creatinine": 1.0}, await j.now()),
                }
            )
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await (
                    signing_at(workflow_env.client, issued_at)
                    .get_workflow_handle(j.handle.id)
                    .execute_update("record_lab_results", labs)
                )
            assert refused.value.cause.type == ACTOR_NOT_AUTHENTICATED
            assert why in refused.value.cause.message
        await j.settle()
        assert (await j.state(), len(services.events)) == before
        # Signed a minute ago (a retried call, a restarting worker): still within the window.
        labs = RecordLabResultsInput.model_validate(
            {
                "actor_id": "nurse.rahimi",
                "role": "operations",
                "results": lab_results({"creatinine": 1.0}, await j.now()),
            }
        )
        await (
            signing_at(workflow_env.client, now - timedelta(minutes=1))
            .get_workflow_handle(j.handle.id)
            .execute_update("record_lab_results", labs)
        )
        await j.settle()
        assert len(services.events) > before[1]


def test_freshness_window_bounds():
    from itc.models.identity import RequestBinding

    binding = RequestBinding(update="u", update_id="1", workflow_id="w", content_digest="0" * 64)
    issued = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assertion = sign_assertion(SESSION_IDENTITY_KEYS, NURSE, binding, issued)
    check_fresh(assertion, issued + timedelta(minutes=5))
    check_fresh(assertion, issued - timedelta(seconds=30))
    with pytest.raises(AssertionRefused, match="300 s it is valid"):
        check_fresh(assertion, issued + timedelta(minutes=5, seconds=1))
    with pytest.raises(AssertionRefused, match="future"):
        check_fresh(assertion, issued - timedelta(seconds=31))
