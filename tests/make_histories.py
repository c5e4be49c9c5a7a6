"""Write journey histories for tests/histories/ (run by hand, not by pytest).

    python tests/make_histories.py                 # the happy-path histories
    python tests/make_histories.py infusion-hold NAME  # a hold that resolves, as NAME.json
    python tests/make_histories.py refused-role NAME   # staff roles and an audited refusal, as NAME.json
    python tests/make_histories.py response-rules NAME # an SAE upgraded to life-threatening, a lesion back after CR
    python tests/make_histories.py pfs-censoring NAME  # progression after two missed follow-up assessments
    python tests/make_histories.py abnormal-baseline NAME  # ALT rise from an abnormal baseline, afebrile CRS
    python tests/make_histories.py store-refusal-retried NAME  # lab results the store refuses, retried for ever
    python tests/make_histories.py store-refusal-stand-in NAME # the same refusal given a stand-in event
    python tests/make_histories.py forged-signals NAME # unauthenticated signals ignored and audited, as NAME.json
    python tests/make_histories.py history-guard NAME  # screening's first run, ended by the history guard
    python tests/make_histories.py history-guard-baseline NAME  # a run ended by the history guard in baseline
    python tests/make_histories.py chain-of-custody NAME   # to infusion 1: handoffs, a wrong bag, two-person check
    python tests/make_histories.py bag-discard NAME    # bag 1 warms up on its way and quality discards it
    python tests/make_histories.py manufacturing-slots NAME  # a failed run then off study: slot held and freed
    python tests/make_histories.py slot-week-passed NAME  # baseline runs past the slot's week, then the biopsy

The trial's histories have their own maker, tests/make_trial_histories.py.

A committed history is what journeys already running in production look like: never
regenerate one to make a change pass. Put the change behind workflow.patched(...) and
add a new history beside the old one, so the replay test covers both.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import timedelta
from functools import partial
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from fixtures_codec import SESSION_IDENTITY_KEYS  # noqa: E402
from fixtures_temporal import binary  # noqa: E402
from journey_harness import (  # noqa: E402
    GOOD_SCREENING_LABS,
    HOUR,
    PRE_INFUSION,
    STAFF,
    SUPERVISOR,
    MockServices,
    acting_in_role,
    advance_to,
    collect_biopsy,
    complete_baseline,
    drive_to_infusion,
    drive_to_manufacturing,
    give_first_infusion,
    give_infusion,
    infuse_all,
    lab_results,
    manufacture,
    pass_screening,
    record_eligibility,
    record_labs,
    record_milestone,
    record_scan,
    start_journey,
    toxicity_checks,
    worker_for,
)
from temporalio.client import WorkflowExecutionStatus, WorkflowUpdateFailedError  # noqa: E402
from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from itc.drivers.staff_actions import administer_infusion  # noqa: E402
from itc.models.enums import Stage  # noqa: E402
from itc.runtime.client_trust import AssertionSigningInterceptor  # noqa: E402
from itc.runtime.temporal_client import ensure_search_attributes  # noqa: E402


async def infusion_hold_history(env: WorkflowEnvironment, name: str) -> None:
    """Infusion 2 held by a grade 2 nausea that resolves after five days, then given."""
    services = MockServices()
    queue = f"histories-{uuid.uuid4().hex}"
    async with worker_for(env.client, queue, services):
        j = await start_journey(env, queue, services, participant_id="ITC-002")
        await give_first_infusion(j)
        await toxicity_checks(j)
        onset = (await j.now()).isoformat()
        await j.update(
            "record_adverse_event",
            {
                "actor_id": STAFF,
                "term": "nausea",
                "category": "non_haematological",
                "grade": 2,
                "attribution": "possible",
                "onset_at": onset,
            },
        )
        infusion2 = next(i for i in (await j.state()).infusions if i.number == 2)
        await advance_to(j, infusion2.window_start + HOUR)
        await j.advance(timedelta(days=5))
        await j.update(
            "record_adverse_event",
            {
                "actor_id": STAFF,
                "ae_id": "AE-1",
                "term": "nausea",
                "category": "non_haematological",
                "grade": 2,
                "attribution": "possible",
                "onset_at": onset,
                "resolved_at": (await j.now()).isoformat(),
            },
        )
        await give_infusion(j, 2)
        await j.advance(timedelta(days=1))
        history = await j.handle.fetch_history()
        (HERE / "histories" / f"{name}.json").write_text(history.to_json())
        await j.handle.terminate("history captured")
        print(f"wrote {name}.json with {len(history.events)} events")


async def refused_role_history(env: WorkflowEnvironment, name: str) -> None:
    """Screening to baseline with roles on every action, and one refusal signalled into the trail."""
    from itc.models.inputs import RecordRefusedActionInput
    from workflows.journey import ParticipantJourneyWorkflow

    services = MockServices()
    queue = f"histories-{uuid.uuid4().hex}"
    async with worker_for(env.client, queue, services):
        j = await start_journey(env, queue, services, participant_id="ITC-003")
        refusal = RecordRefusedActionInput(
            update="record_supervisor_decision", actor_id=STAFF, role="operations", refusal="RoleNotPermitted",
            message="The operations role may not record a supervisor decision; that is for: supervisor.", refused_by="journey",
        )  # fmt: skip
        await j.handle.signal(ParticipantJourneyWorkflow.record_refused_action, refusal)
        await pass_screening(j)
        await j.wait_for_stage(Stage.BASELINE)
        await j.advance(timedelta(hours=1))
        history = await j.handle.fetch_history()
        (HERE / "histories" / f"{name}.json").write_text(history.to_json())
        await j.handle.terminate("history captured")
        print(f"wrote {name}.json with {len(history.events)} events")


async def response_rules_history(env: WorkflowEnvironment, name: str) -> None:
    """A serious, unexpected, related event upgraded to life-threatening a day later (ICH E2A), then a
    target lesion that disappeared (CR) and is back on the confirmation scan (EORTC RECIST FAQ)."""
    services = MockServices()
    queue = f"histories-{uuid.uuid4().hex}"
    async with worker_for(env.client, queue, services):
        j = await start_journey(env, queue, services, participant_id="ITC-004")
        await drive_to_infusion(j)
        await infuse_all(j)
        state = await j.wait_for_stage(Stage.RESPONSE_ASSESSMENT)
        await advance_to(j, state.next_due[0].due_at)
        event = {
            "actor_id": STAFF,
            "term": "pneumonitis",
            "category": "non_haematological",
            "grade": 3,
            "attribution": "possible",
            "serious": True,
            "unexpected": True,
            "onset_at": (await j.now()).isoformat(),
        }
        await j.update("record_adverse_event", event)
        await j.advance(timedelta(days=1))
        await j.update("record_adverse_event", {**event, "ae_id": "AE-1", "grade": 4})
        await record_scan(j, "response", 0.0)
        await j.advance(timedelta(weeks=4))
        await record_scan(j, "confirmation", 3.0)
        await j.advance(timedelta(days=1))
        history = await j.handle.fetch_history()
        (HERE / "histories" / f"{name}.json").write_text(history.to_json())
        # With the RECIST amendment the lesion back after CR is progression, and the journey has ended.
        if (await j.handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await j.handle.terminate("history captured")
        print(f"wrote {name}.json with {len(history.events)} events")


async def pfs_censoring_history(env: WorkflowEnvironment, name: str) -> None:
    """Stable disease, two follow-up assessments missed, progression at the third (FDA 2018 censoring).
    The history is the run that ends the journey; earlier runs continued as new."""
    services = MockServices()
    queue = f"histories-{uuid.uuid4().hex}"
    async with worker_for(env.client, queue, services):
        j = await start_journey(env, queue, services, participant_id="ITC-005")
        await drive_to_infusion(j)
        await infuse_all(j)
        state = await j.wait_for_stage(Stage.RESPONSE_ASSESSMENT)
        await advance_to(j, state.next_due[0].due_at)
        await record_scan(j, "response", 19.0)
        await j.wait_for_stage(Stage.FOLLOW_UP)
        await j.advance(timedelta(weeks=25))  # two follow-up windows pass with no scan
        state = await j.state()
        due = next(d for d in state.next_due if d.action == "follow_up_scan")
        await advance_to(j, due.due_at)
        await record_scan(j, "follow_up", 24.0)  # +26 % and +5 mm over the 19 mm nadir: PD
        await j.advance(timedelta(days=1))
        history = await env.client.get_workflow_handle(j.handle.id).fetch_history()
        (HERE / "histories" / f"{name}.json").write_text(history.to_json())
        print(f"wrote {name}.json with {len(history.events)} events")


async def abnormal_baseline_history(env: WorkflowEnvironment, name: str) -> None:
    """Screening ALT at 2.5 x ULN (the most the protocol admits), a rise to 3.01 x ULN before
    infusion 2, then CRS findings without fever on one vasopressor.

    Graded by ULN alone the rise is grade 2 and holds infusion 2, and the afebrile findings
    grade CRS 3, a DLT; CTCAE v5 against the abnormal baseline grades the rise 0, and ASTCT
    needs fever for CRS, so the journey refuses those findings as CRS.
    """
    services = MockServices()
    queue = f"histories-{uuid.uuid4().hex}"
    async with worker_for(env.client, queue, services):
        j = await start_journey(env, queue, services, participant_id="ITC-004")
        await record_labs(j, {**GOOD_SCREENING_LABS, "alt": 100.0})
        await record_eligibility(j)
        await j.wait_for_stage(Stage.BASELINE)
        await complete_baseline(j)
        await collect_biopsy(j)
        await manufacture(j)
        await advance_to(j, (await j.state()).infusions[0].target_at)
        await record_labs(j, {**PRE_INFUSION, "alt": 100.0}, ("vital_signs",))
        await administer_infusion(j, 1)
        await toxicity_checks(j)
        await record_labs(j, {**PRE_INFUSION, "alt": 120.4})
        infusion2 = next(i for i in (await j.state()).infusions if i.number == 2)
        await advance_to(j, infusion2.window_start + HOUR)
        await j.advance(timedelta(days=1))
        try:
            await j.update(
                "record_adverse_event",
                {
                    "actor_id": STAFF,
                    "term": "cytokine_release_syndrome",
                    "category": "crs",
                    "crs": {"temperature_c": 37.2, "hypotension": True, "vasopressors": 1},
                    "attribution": "possible",
                    "onset_at": (await j.now()).isoformat(),
                },
            )
        except WorkflowUpdateFailedError:
            pass  # refused as CRS: rejected Updates leave nothing in the history
        await j.advance(timedelta(days=1))


async def store_refusal_history(env: WorkflowEnvironment, name: str, *, retryable: bool) -> None:
    """Screening whose lab results the event store refuses as invalid data (a NUL in jsonb).

    Retryable: what a journey did before the refusal had a name, its append retried for ever.
    Not retryable: the stand-in EventNotStored takes the event's place and the journey goes on.
    """
    from itc.models.enums import EventType

    services = MockServices(refuse_event_type=EventType.LAB_RESULTS_RECORDED.value, refusal_retryable=retryable)
    queue = f"histories-{uuid.uuid4().hex}"
    async with worker_for(env.client, queue, services):
        j = await start_journey(env, queue, services, participant_id="ITC-004")
        if retryable:
            # Sent and waited for by hand: the driver waits for an idle journey, and this one never is.
            labs = {"actor_id": STAFF, "results": lab_results(GOOD_SCREENING_LABS, await j.now())}
            await j.handle.execute_update("record_lab_results", acting_in_role("record_lab_results", labs))
            await env.sleep(timedelta(minutes=10))
        else:
            await pass_screening(j)
            await j.wait_for_stage(Stage.BASELINE)
            await j.advance(timedelta(hours=1))
        history = await j.handle.fetch_history()
        (HERE / "histories" / f"{name}.json").write_text(history.to_json())
        await j.handle.terminate("history captured")
        print(f"wrote {name}.json with {len(history.events)} events")


async def chain_of_custody_history(env: WorkflowEnvironment, name: str) -> None:
    """To the first infusion. Under chain of custody, with the bag's handoffs, a wrong bag scanned
    at the bedside (an incident), two people's bedside check and the bag given once; before it,
    the same infusion with none of these."""
    services = MockServices()
    queue = f"histories-{uuid.uuid4().hex}"
    async with worker_for(env.client, queue, services):
        j = await start_journey(env, queue, services, participant_id="ITC-005")
        await drive_to_infusion(j)
        await advance_to(j, (await j.state()).infusions[0].target_at)
        await record_labs(j, PRE_INFUSION, ("vital_signs",))
        if getattr(await j.state(), "chain_of_identity", None) is not None:
            # Read and imported this way so the scenario also runs on the code from before the patch.
            from itc.drivers.custody_actions import bag, bring_to_bedside, verify_at_bedside

            unit_id = await bring_to_bedside(j, 1)
            try:
                await verify_at_bedside(j, 1, (await bag(j, 2)).unit_id, STAFF)
            except WorkflowUpdateFailedError:
                pass  # the wrong bag: refused, with its incident in the history
            assert unit_id
        await administer_infusion(j, 1)
        await j.advance(timedelta(days=1))
        history = await j.handle.fetch_history()
        (HERE / "histories" / f"{name}.json").write_text(history.to_json())
        await j.handle.terminate("history captured")
        print(f"wrote {name}.json with {len(history.events)} events")


async def bag_discard_history(env: WorkflowEnvironment, name: str) -> None:
    """Bag 1 leaves its range on the way to the site and quality discards it. Before the
    discard decision the supervisor is only told; after it the supervisor decides, here to
    re-make the bag from the banked line, and the journey labels the replacement."""
    from itc.drivers.custody_actions import CRYO_OK, bag, handoff

    services = MockServices()
    queue = f"histories-{uuid.uuid4().hex}"
    async with worker_for(env.client, queue, services):
        j = await start_journey(env, queue, services, participant_id="ITC-008")
        await drive_to_infusion(j)
        unit_id = (await bag(j, 1)).unit_id
        await handoff(j, unit_id, "released", **CRYO_OK)
        await handoff(j, unit_id, "shipped_to_site", **{**CRYO_OK, "max_temperature_c": -120.0})
        await j.update(
            "record_quality_decision",
            {"actor_id": "qa.moradi", "unit_id": unit_id, "decision": "discard", "reason": "Logger trace reviewed"},
        )
        await j.advance(timedelta(hours=1))
        if getattr(await j.state(), "bags_awaiting_decision", None):
            await j.update(
                "record_supervisor_decision",
                {"actor_id": "dr.karimi", "decision": "remanufacture_bag", "reason": "Banked line available"},
            )
        await j.advance(timedelta(days=1))
        history = await j.handle.fetch_history()
        (HERE / "histories" / f"{name}.json").write_text(history.to_json())
        await j.handle.terminate("history captured")
        print(f"wrote {name}.json with {len(history.events)} events")


async def manufacturing_slots_history(env: WorkflowEnvironment, name: str) -> None:
    """To manufacturing, a failed run and an off-study decision. Under manufacturing slots the slot
    is reserved at eligibility, the biopsy booked in its week and the slot released when the run
    fails; before them, the same journey with none of these."""
    services = MockServices()
    queue = f"histories-{uuid.uuid4().hex}"
    async with worker_for(env.client, queue, services):
        j = await start_journey(env, queue, services, participant_id="ITC-006")
        await drive_to_manufacturing(j)
        await record_milestone(j, "biopsy_received")
        await record_milestone(j, "fibroblasts_expanded", succeeded=False, failure_code="contamination")
        await j.update(
            "record_supervisor_decision",
            {"actor_id": SUPERVISOR, "decision": "off_study", "reason": "Participant declined a second biopsy"},
        )
        await j.handle.result()
        history = await j.handle.fetch_history()
        (HERE / "histories" / f"{name}.json").write_text(history.to_json())
        print(f"wrote {name}.json with {len(history.events)} events")


async def slot_week_passed_history(env: WorkflowEnvironment, name: str) -> None:
    """Eligible, then a baseline of fifteen days, past the week of the slot reserved at eligibility,
    and the biopsy. With the slot week following the biopsy, the slot is moved to the biopsy's week
    before the biopsy is booked; before it, the biopsy is booked with the passed week's slot."""
    services = MockServices()
    queue = f"histories-{uuid.uuid4().hex}"
    async with worker_for(env.client, queue, services):
        j = await start_journey(env, queue, services, participant_id="ITC-009")
        await pass_screening(j)
        await j.advance(timedelta(days=15))
        await complete_baseline(j)
        await collect_biopsy(j)
        history = await j.handle.fetch_history()
        (HERE / "histories" / f"{name}.json").write_text(history.to_json())
        await j.handle.terminate("history captured")
        print(f"wrote {name}.json with {len(history.events)} events")


async def main() -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server"), data_converter=pydantic_data_converter
    )
    async with env:
        await ensure_search_attributes(env.client, env.client.namespace)
        services = MockServices()
        queue = f"histories-{uuid.uuid4().hex}"
        async with worker_for(env.client, queue, services):
            j = await start_journey(env, queue, services, participant_id="ITC-001")
            first_run = j.handle.first_execution_run_id
            await drive_to_infusion(j)
            await infuse_all(j)
            state = await j.wait_for_stage(Stage.RESPONSE_ASSESSMENT)
            await advance_to(j, state.next_due[0].due_at)
            await record_scan(j, "response", 19.0)
            state = await j.wait_for_stage(Stage.FOLLOW_UP)
            due = next(d for d in state.next_due if d.action == "follow_up_scan")
            await advance_to(j, due.due_at)
            await record_scan(j, "follow_up", 18.0)
            await j.advance(timedelta(days=1))
            first = await env.client.get_workflow_handle(j.handle.id, run_id=first_run).fetch_history()
            (HERE / "histories" / "journey-consent-to-first-follow-up.json").write_text(first.to_json())
            await j.advance(timedelta(weeks=12))
            await record_scan(j, "follow_up", 18.0)
            await j.advance(timedelta(days=1))
            second_run = first.events[-1].workflow_execution_continued_as_new_event_attributes.new_execution_run_id
            # The second run holds exactly one follow-up cycle and ends by continuing as new.
            second = await env.client.get_workflow_handle(j.handle.id, run_id=second_run).fetch_history()
            (HERE / "histories" / "journey-follow-up-run.json").write_text(second.to_json())
            await j.handle.terminate("history captured")
            print(f"wrote {len(first.events)} and {len(second.events)} events")


async def forged_signals_history(env: WorkflowEnvironment, name: str) -> None:
    """Screening to baseline with two signals no worker sent (a trial pause and a refusal),
    each without a MAC: ignored, audited, and the patch marker recorded."""
    from itc.models.inputs import RecordRefusedActionInput
    from itc.models.trial import SetTrialPauseInput
    from workflows.journey import ParticipantJourneyWorkflow

    services = MockServices()
    queue = f"histories-{uuid.uuid4().hex}"
    async with worker_for(env.client, queue, services):
        j = await start_journey(env, queue, services, participant_id="ITC-004")
        await j.handle.signal(
            ParticipantJourneyWorkflow.set_trial_pause, SetTrialPauseInput(paused=True, reason="forged")
        )
        refusal = RecordRefusedActionInput(
            update="record_supervisor_decision", actor_id="dr.karimi", role="supervisor", refusal="RoleNotPermitted",
            message="An invented refusal.", refused_by="api",
        )  # fmt: skip
        await j.handle.signal(ParticipantJourneyWorkflow.record_refused_action, refusal)
        await pass_screening(j)
        await j.wait_for_stage(Stage.BASELINE)
        await j.advance(timedelta(hours=1))
        history = await j.handle.fetch_history()
        (HERE / "histories" / f"{name}.json").write_text(history.to_json())
        await j.handle.terminate("history captured")
        print(f"wrote {name}.json with {len(history.events)} events")


async def _guard_continued_run(env: WorkflowEnvironment, name: str, participant: str, stage: str) -> None:
    """A journey under a lowered history guard, taken to `stage` and given lab results there until
    the guard continues it as new; the history is the run that ended in that stage."""
    from itc.drivers.env_journey import Journey, consent_record
    from itc.models.enums import Stage
    from itc.models.state import HistoryGuard, StartJourneyInput
    from itc.rules.config import DEFAULT_PROTOCOL
    from workflows.journey import ParticipantJourneyWorkflow

    services = MockServices()
    queue = f"histories-{uuid.uuid4().hex}"
    async with worker_for(env.client, queue, services):
        consent = consent_record(participant, (await env.get_current_time()).date())
        handle = await env.client.start_workflow(
            ParticipantJourneyWorkflow.run,
            StartJourneyInput(consent=consent, protocol=DEFAULT_PROTOCOL, history_guard=HistoryGuard(max_events=60)),
            id=f"journey-{participant}",
            task_queue=queue,
        )
        j = Journey(env, handle, services)
        await j.settle()
        if Stage(stage) is Stage.BASELINE:
            await pass_screening(j)
        guarded_run = (await handle.describe()).run_id
        while (await handle.describe()).run_id == guarded_run:
            await j.update(
                "record_lab_results", {"actor_id": STAFF, "results": lab_results({"spo2": 98.0}, await j.now())}
            )
        assert (await j.state()).stage is Stage(stage)
        history = await env.client.get_workflow_handle(handle.id, run_id=guarded_run).fetch_history()
        (HERE / "histories" / f"{name}.json").write_text(history.to_json())
        await handle.terminate("history captured")
        print(f"wrote {name}.json with {len(history.events)} events")


async def one_history(make, name: str) -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
        # Staff actions carry signed actor assertions, as the engine's own clients send them.
        interceptors=[AssertionSigningInterceptor(SESSION_IDENTITY_KEYS)],
    )
    async with env:
        await ensure_search_attributes(env.client, env.client.namespace)
        await make(env, name)


SINGLE_HISTORIES = {
    "abnormal-baseline": abnormal_baseline_history,
    "infusion-hold": infusion_hold_history,
    "refused-role": refused_role_history,
    "response-rules": response_rules_history,
    "pfs-censoring": pfs_censoring_history,
    "store-refusal-retried": partial(store_refusal_history, retryable=True),
    "store-refusal-stand-in": partial(store_refusal_history, retryable=False),
    "forged-signals": forged_signals_history,
    "history-guard": partial(_guard_continued_run, participant="ITC-006", stage="screening"),
    "history-guard-baseline": partial(_guard_continued_run, participant="ITC-007", stage="baseline"),
    "chain-of-custody": chain_of_custody_history,
    "bag-discard": bag_discard_history,
    "manufacturing-slots": manufacturing_slots_history,
    "slot-week-passed": slot_week_passed_history,
}

if __name__ == "__main__":
    if sys.argv[1:2] and sys.argv[1] in SINGLE_HISTORIES:
        asyncio.run(one_history(SINGLE_HISTORIES[sys.argv[1]], sys.argv[2]))
    else:
        asyncio.run(main())
