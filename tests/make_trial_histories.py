"""Write trial histories for tests/histories/ (run by hand, not by pytest).

    python tests/make_trial_histories.py reports NAME  # reports, one sent again, and a forged report, as NAME.json
    python tests/make_trial_histories.py pause NAME    # a participant enrolled, three DLTs: the trial pauses her journey

The trial receives a journey's reports MAC'd under the published test-only signal key committed
in histories/keys/, so the replayer, holding the same key, verifies them as a worker did. Run on
the code before a trial patch for the "before" history and on the code after it for the "after"
one: the scenario reads what the code it runs on offers (numbered reports or not).

A committed history is what trials already running in production look like: never regenerate
one to make a change pass; put the change behind workflow.patched(...) and add a new history.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import fixtures_codec  # noqa: E402  (puts the session's keys in the environment first)
from fixtures_temporal import binary  # noqa: E402
from journey_harness import MockServices, worker_for  # noqa: E402
from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from itc.crypto.keyring import parse_keyring  # noqa: E402
from itc.crypto.signal_macs import sign_signal  # noqa: E402
from itc.models.trial import (  # noqa: E402
    RecordDltOutcomeInput,
    RecordSaeClockInput,
    StartTrialInput,
    trial_workflow_id,
)
from itc.rules.config import ProtocolConfig  # noqa: E402
from itc.runtime.client_trust import AssertionSigningInterceptor  # noqa: E402
from itc.runtime.temporal_client import ensure_search_attributes  # noqa: E402

SIGNAL_KEYS_JSON = (HERE / "histories" / "keys" / "test-only-signal-keys.json").read_text()
# The worker reads its signal keys from the environment when it is built.
os.environ["ITC_SIGNAL_KEYS"] = SIGNAL_KEYS_JSON
SIGNAL_KEYS = parse_keyring(SIGNAL_KEYS_JSON, "test-only signal keys")


def numbered(model: type, sequence: int, **fields: object) -> object:
    """The report as the code at hand's journeys send it: numbered where reports are numbered."""
    if "report_sequence" in model.model_fields:  # type: ignore[attr-defined]
        fields["report_sequence"] = sequence
    return model(**fields)


async def settled(trial, services: MockServices, audits_expected: int) -> None:
    """Every signal handled and every audit activity the code at hand schedules completed."""
    for _ in range(600):
        await trial.query("get_trial_state")
        if len(getattr(services, "refused_signals", [])) >= audits_expected:
            description = await trial.describe()
            if not description.raw_description.pending_activities:
                return
        await asyncio.sleep(0.1)
    raise AssertionError("the trial never settled")


async def trial_reports_history(env: WorkflowEnvironment, name: str) -> None:
    """A DLT-free outcome from ITC-101; ITC-102's SAE clock escalated then acknowledged; the
    captured 'escalated' report sent again as it was (its MAC still verifies); and a DLT for
    ITC-103 that no worker sent (no MAC)."""
    from workflows import trial as trial_module

    protocol = ProtocolConfig()
    trial_id = trial_workflow_id(protocol.trial_id)
    services = MockServices()
    queue = f"histories-{uuid.uuid4().hex}"
    async with worker_for(env.client, queue, services):
        trial = await env.client.start_workflow(
            "TrialWorkflow", StartTrialInput(protocol=protocol), id=trial_id, task_queue=queue
        )
        due = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
        clock = {"participant_id": "ITC-102", "ae_id": "AE-1", "clock": "sponsor_24h", "due_at": due}
        escalated = sign_signal(
            SIGNAL_KEYS, "record_sae_clock", trial_id, numbered(RecordSaeClockInput, 1, **clock, status="escalated")
        )
        reports = [
            ("record_dlt_outcome", numbered(RecordDltOutcomeInput, 1, participant_id="ITC-101", dlt=False)),
            ("record_sae_clock", escalated),
            ("record_sae_clock", numbered(RecordSaeClockInput, 2, **clock, status="acknowledged")),
        ]
        for signal, report in reports:
            signed = report if report is escalated else sign_signal(SIGNAL_KEYS, signal, trial_id, report)
            await trial.signal(signal, signed)
            await trial.query("get_trial_state")
        await trial.signal("record_sae_clock", escalated)  # captured and sent again
        await trial.signal("record_dlt_outcome", RecordDltOutcomeInput(participant_id="ITC-103", dlt=True))
        audited = hasattr(trial_module, "AUDITED_REFUSED_SIGNALS")
        await settled(trial, services, audits_expected=2 if audited else 0)
        history = await trial.fetch_history()
        (HERE / "histories" / f"{name}.json").write_text(history.to_json())
        await trial.terminate("history captured")
        print(f"wrote {name}.json with {len(history.events)} events")


async def trial_pause_history(env: WorkflowEnvironment, name: str) -> None:
    """ITC-201 enrolled through the trial, then three DLTs reported (BOIN's boundary at three
    evaluable): the trial pauses, tells the supervisor and the sponsor, and signals her journey."""
    from itc.drivers.env_journey import consent_record
    from itc.runtime.journeys import start_journey

    protocol = ProtocolConfig()
    trial_id = trial_workflow_id(protocol.trial_id)
    services = MockServices()
    queue = f"histories-{uuid.uuid4().hex}"
    async with worker_for(env.client, queue, services):
        consent = consent_record("ITC-201", (await env.get_current_time()).date())
        journey_id = await start_journey(env.client, consent, protocol, queue)
        trial = env.client.get_workflow_handle(trial_id)
        for index in range(3):
            report = numbered(RecordDltOutcomeInput, 1, participant_id=f"ITC-30{index}", dlt=True)
            await trial.signal("record_dlt_outcome", sign_signal(SIGNAL_KEYS, "record_dlt_outcome", trial_id, report))
            await trial.query("get_trial_state")
        await settled(trial, services, audits_expected=0)
        assert (await trial.query("get_trial_state"))["paused"]
        history = await trial.fetch_history()
        (HERE / "histories" / f"{name}.json").write_text(history.to_json())
        await trial.terminate("history captured")
        await env.client.get_workflow_handle(journey_id).terminate("history captured")
        print(f"wrote {name}.json with {len(history.events)} events")


SCENARIOS = {"reports": trial_reports_history, "pause": trial_pause_history}


async def main(scenario: str, name: str) -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
        # Enrolment is an Update and carries a signed actor assertion, as the engine's clients send it.
        interceptors=[AssertionSigningInterceptor(fixtures_codec.SESSION_IDENTITY_KEYS)],
    )
    async with env:
        await ensure_search_attributes(env.client, env.client.namespace)
        await SCENARIOS[scenario](env, name)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
