"""Idempotency that never drops data (issue 12, M1): a reused request_id with other values,
another actor or another Update used to return 200 "Already recorded" and silently drop the
new data. The same request ID with the same content is still a retry, answered with the
earlier acceptance; with anything different it is refused naming the earlier event, by the
journey's validator and, over HTTP, as a 409 (RFC 9110 §15.5.10, 409 Conflict: the request
conflicts with the current state of the target resource).
"""

from __future__ import annotations

import pytest
from fixtures_api import Api, screening_labs
from fixtures_devstack import fresh_participant
from journey_harness import MockServices, lab_results, start_journey, worker_for
from temporalio.client import WorkflowUpdateFailedError

from itc.drivers.staff_actions import ELIGIBLE_FINDINGS
from itc.journey.refusals import REQUEST_ID_CONFLICT
from itc.models.roles import Role

OPS = Api.auth(Role.OPERATIONS)


async def test_a_reused_request_id_is_a_retry_only_for_the_same_action_actor_and_values(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        now = await j.now()
        first = {"actor_id": "nurse.rahimi", "request_id": "req-1", "results": lab_results({"creatinine": 1.0}, now)}
        accepted = await j.update("record_lab_results", first)
        retried = await j.update("record_lab_results", first)
        assert retried.sequence == accepted.sequence and "Already recorded" in retried.message
        state, events = await j.state(), len(services.events)

        other_values = {**first, "results": lab_results({"creatinine": 2.4}, now)}
        other_actor = {**first, "actor_id": "nurse.karami"}
        other_update = {
            "actor_id": "nurse.rahimi",
            "request_id": "req-1",
            **ELIGIBLE_FINDINGS,
            "assessed_at": now.isoformat(),
        }
        for update, body in (
            ("record_lab_results", other_values),
            ("record_lab_results", other_actor),
            ("record_eligibility_assessment", other_update),
        ):
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await j.update(update, body)
            assert refused.value.cause.type == REQUEST_ID_CONFLICT
            assert f"already used for event #{accepted.sequence}" in refused.value.cause.message
        await j.settle()
        assert await j.state() == state and len(services.events) == events


async def test_a_reused_request_id_with_other_values_is_a_409_naming_the_earlier_event(api: Api) -> None:
    participant = fresh_participant("RID")
    await api.start(participant)
    body = {**screening_labs(), "request_id": "rid-409"}
    first = await api.http.post(f"/api/journeys/{participant}/lab-results", json=body, headers=OPS)
    assert first.status_code == 200, first.text
    again = await api.http.post(f"/api/journeys/{participant}/lab-results", json=body, headers=OPS)
    assert again.status_code == 200 and again.json()["sequence"] == first.json()["sequence"]
    changed = {**body, "results": [{**body["results"][0], "value": 2.4}]}
    conflict = await api.http.post(f"/api/journeys/{participant}/lab-results", json=changed, headers=OPS)
    assert conflict.status_code == 409, conflict.text
    assert f"already used for event #{first.json()['sequence']}" in conflict.json()["detail"]
