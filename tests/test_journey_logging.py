"""A running journey's log lines carry workflow and participant IDs and never PHI."""

from __future__ import annotations

import json

import pytest
from journey_harness import (
    GOOD_SCREENING_LABS,
    STAFF,
    MockServices,
    lab_results,
    pass_screening,
    start_journey,
    worker_for,
)
from structlog.testing import capture_logs

from itc.base.errors import UpdateRejected
from itc.base.logging import configure_logging
from itc.models.inputs import (
    RecordLabResultsInput,
    RecordRefusedActionInput,
    RecordSupervisorDecisionInput,
    RecordWithdrawalInput,
)
from itc.runtime.journeys import record


async def test_workflow_log_lines_carry_ids_and_no_phi(workflow_env, task_queue, capsys):
    configure_logging("json", level="INFO")
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services, participant_id="ITC-777")
        await pass_screening(j)
        consent_dob = (await j.timeline())[0]  # the consent is event 1; its DOB must not be logged
    output = capsys.readouterr().out

    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    stage_lines = [line for line in lines if "journey stage" in line.get("event", "")]
    assert [line["event"] for line in stage_lines] == [
        "journey stage start -> screening",
        "journey stage screening -> baseline",
    ]
    for line in stage_lines:
        assert line["workflow_id"] == "journey-ITC-777" and line["participant_id"] == "ITC-777"
    assert consent_dob.type == "ConsentRecorded"
    dob = services.events[0].payload["date_of_birth"]
    leaking = [line for line in output.splitlines() if dob in line]
    assert leaking == []


async def test_search_attributes_hold_no_phi(workflow_env, task_queue):
    """Search attributes are stored unencrypted: only stage, site, next-due time and the DLT flag."""
    from temporalio.api.common.v1 import WorkflowExecution
    from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest

    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services, participant_id="ITC-778")
        await pass_screening(j)
        raw = await workflow_env.client.workflow_service.describe_workflow_execution(
            DescribeWorkflowExecutionRequest(
                namespace=workflow_env.client.namespace, execution=WorkflowExecution(workflow_id=j.handle.id)
            )
        )
    fields = raw.workflow_execution_info.search_attributes.indexed_fields
    custom = {
        name: json.loads(payload.data)
        for name, payload in fields.items()
        if name in ("JourneyStage", "JourneySite", "NextDueAt", "DltFlag")
    }
    assert set(custom) == {"JourneyStage", "JourneySite", "NextDueAt", "DltFlag"}
    consent = services.events[0].payload
    stored = json.dumps({name: json.loads(payload.data) for name, payload in fields.items()})
    for phi in (consent["date_of_birth"], str(consent["height_cm"]), str(consent["weight_kg"])):
        assert phi not in stored


class RefusalsKept:
    """Where `record` puts a refusal (the event store's refused_actions in the API and CLI)."""

    def __init__(self) -> None:
        self.kept: list[tuple[str, RecordRefusedActionInput]] = []

    async def record(self, participant_id: str, refusal: RecordRefusedActionInput) -> None:
        self.kept.append((participant_id, refusal))


async def test_client_side_log_events_hold_no_phi(workflow_env, task_queue):
    """What the CLI and API log around staff actions (accepted, refused) names the action and the
    participant's study ID, never the consent's measurements or the staff's free text."""
    services = MockServices()
    refusals = RefusalsKept()
    reason = "Moving abroad to live with her daughter"
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services, participant_id="ITC-779")
        now = await j.now()
        labs = RecordLabResultsInput(actor_id=STAFF, role="operations", results=lab_results(GOOD_SCREENING_LABS, now))
        decision = RecordSupervisorDecisionInput(actor_id=STAFF, role="operations", decision="off_study", reason=reason)
        withdrawal = RecordWithdrawalInput(actor_id=STAFF, role="operations", withdrawn_at=now, reason=reason)
        with capture_logs() as logs:
            await record(workflow_env.client, "ITC-779", "record_lab_results", labs)
            with pytest.raises(UpdateRejected, match="may not record a supervisor decision"):
                await record(workflow_env.client, "ITC-779", "record_supervisor_decision", decision, refusals=refusals)
            await record(workflow_env.client, "ITC-779", "record_withdrawal", withdrawal)
        await j.handle.result()

    assert [entry["event"] for entry in logs] == ["update accepted", "action refused", "update accepted"]
    assert all(entry["participant_id"] == "ITC-779" for entry in logs)
    consent = services.events[0].payload
    phi = (consent["date_of_birth"], str(consent["weight_kg"]), str(consent["height_cm"]), reason)
    logged = json.dumps(logs, default=str)
    assert [value for value in phi if value in logged] == []
    # The refusal itself went to the audit trail (not the journey's history), with its reason kept out of the log.
    assert [(participant, kept.update, kept.actor_id) for participant, kept in refusals.kept] == [
        ("ITC-779", "record_supervisor_decision", STAFF)
    ]
    assert "ActionRefused" not in services.event_types()
