"""Bad staff input is refused by the validators with a message a nurse can act on, leaving no trace."""

from __future__ import annotations

from datetime import timedelta

import pytest
from journey_harness import (
    GOOD_SCREENING_LABS,
    SAMPLE,
    STAFF,
    MockServices,
    acting_in_role,
    lab_results,
    pass_screening,
    start_journey,
    worker_for,
)
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError

from itc.models.enums import Stage

WORKFLOW_TASK_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
}


async def history_length(j) -> int:
    """Events other than workflow-task bookkeeping: a rejected update must add none of them."""
    # The time-skipping server persists the task that ran the validator; the dev server does not.
    return sum(1 for e in (await j.handle.fetch_history()).events if e.event_type not in WORKFLOW_TASK_EVENTS)


def full_message(error: BaseException) -> str:
    """The whole cause chain: a decoding failure carries pydantic's message one level down."""
    parts = []
    while error is not None:
        parts.append(str(error))
        error = error.__cause__ or getattr(error, "cause", None)
    return " <- ".join(parts)


async def assert_refused(j, update: str, body: dict, message: str) -> None:
    before_history, before_state = await history_length(j), await j.state()
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await j.handle.execute_update(update, acting_in_role(update, body))
    text = full_message(refused.value)
    assert message in text, text
    assert await history_length(j) == before_history
    assert await j.state() == before_state


async def test_out_of_order_and_impossible_inputs_are_refused(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services, participant_id="ITC-901")
        now = await j.now()
        await assert_refused(
            j,
            "record_biopsy_collected",
            {"actor_id": STAFF, "sample_id": SAMPLE, "collected_at": now.isoformat()},
            "cannot be recorded in stage screening",
        )
        await assert_refused(
            j,
            "record_lab_results",
            {"actor_id": STAFF, "results": lab_results({"creatinine": 1.0}, now + timedelta(days=2))},
            "is in the future",
        )
        await assert_refused(
            j,
            "record_lab_results",
            {"actor_id": STAFF, "results": lab_results({"creatinine": 65.0}, now)},
            "outside the possible range",
        )
        await assert_refused(
            j,
            "record_lab_results",
            {"actor_id": STAFF, "results": [{"code": "potassium", "value": 4.0, "collected_at": now.isoformat()}]},
            "Input should be 'creatinine'",
        )
        await assert_refused(
            j,
            "record_infusion_administered",
            {
                "actor_id": STAFF,
                "infusion_number": 4,
                "administered_at": now.isoformat(),
                "cells_administered": 5e9,
                "product_sample_id": SAMPLE,
            },
            "less than or equal to 3",
        )
        await assert_refused(
            j,
            "record_lab_results",
            {
                "actor_id": STAFF,
                "corrects_sequence": 1,
                "reason": "typo in value",
                "results": lab_results(GOOD_SCREENING_LABS, now),
            },
            "can only correct LabResultsRecorded",
        )
        await assert_refused(
            j,
            "record_supervisor_decision",
            {"actor_id": "dr.k", "decision": "re_biopsy", "reason": "because"},
            "only possible when manufacturing has failed",
        )
        await pass_screening(j)
        await assert_refused(
            j,
            "record_scan_result",
            {
                "actor_id": STAFF,
                "kind": "baseline",
                "scanned_at": (await j.now()).isoformat(),
                "target_lesions": [{"lesion_id": "L1", "organ": "lung", "diameter_mm": 8}],
            },
            "do not meet RECIST 1.1",
        )
        await assert_refused(
            j,
            "record_infusion_administered",
            {
                "actor_id": STAFF,
                "infusion_number": 1,
                "administered_at": (await j.now()).isoformat(),
                "cells_administered": 5e9,
                "product_sample_id": SAMPLE,
            },
            "cannot be recorded in stage baseline",
        )


async def test_second_start_for_same_participant_is_rejected(workflow_env, task_queue):
    from temporalio.exceptions import WorkflowAlreadyStartedError

    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        await start_journey(workflow_env, task_queue, services, participant_id="ITC-902")
        with pytest.raises(WorkflowAlreadyStartedError):
            await start_journey(workflow_env, task_queue, services, participant_id="ITC-902")


async def test_retried_action_with_same_request_id_is_applied_once(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        body = {"actor_id": STAFF, "request_id": "req-42", "results": lab_results(GOOD_SCREENING_LABS, await j.now())}
        first = await j.update("record_lab_results", body)
        second = await j.update("record_lab_results", body)
        assert second.sequence == first.sequence and "Already recorded" in second.message
        timeline = await j.timeline()
        assert [e.type for e in timeline].count("LabResultsRecorded") == 1
        assert (await j.state()).stage is Stage.SCREENING


async def test_update_delivered_with_the_start_comes_after_consent(workflow_env, task_queue):
    from journey_harness import consent_record
    from temporalio.client import WithStartWorkflowOperation
    from temporalio.common import WorkflowIDConflictPolicy

    from itc.drivers.quiescence import wait_quiescent
    from itc.models.inputs import RecordLabResultsInput
    from itc.models.state import StartJourneyInput
    from workflows.journey import ParticipantJourneyWorkflow

    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        now = await workflow_env.get_current_time()
        start = WithStartWorkflowOperation(
            ParticipantJourneyWorkflow.run,
            StartJourneyInput(consent=consent_record("ITC-903", now.date())),
            id="journey-ITC-903",
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        )
        accepted = await workflow_env.client.execute_update_with_start_workflow(
            ParticipantJourneyWorkflow.record_lab_results,
            RecordLabResultsInput.model_validate(
                {"actor_id": STAFF, "role": "operations", "results": lab_results(GOOD_SCREENING_LABS, now)}
            ),
            start_workflow_operation=start,
        )
        handle = await start.workflow_handle()
        timeline = await handle.query(ParticipantJourneyWorkflow.get_timeline)
        # Idle before the worker stops: the test server's clock stays held by a workflow
        # left with an activity in flight, even once it is terminated.
        await wait_quiescent(workflow_env.client, handle.id)
    # Consent, screening and the chain-of-identity ID assigned at enrolment come first.
    assert [e.type for e in timeline[:3]] == ["ConsentRecorded", "StageChanged", "ChainOfIdentityAssigned"]
    assert accepted.sequence == 4
