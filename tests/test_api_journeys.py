"""The HTTP API end to end on the real dev stack: start, record, read, and every kind of
refusal answered with a status and a message a person can act on."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from fixtures_api import SITE, Api, consent, eligibility, screening_labs
from fixtures_devstack import WAIT_SECONDS, fresh_participant

from itc.models.roles import Role

OPS = Api.auth(Role.OPERATIONS)
SUPERVISOR = Api.auth(Role.SUPERVISOR)


async def test_start_returns_the_journey_and_a_second_start_is_409(api: Api) -> None:
    participant = fresh_participant("API")
    first = await api.http.post("/api/journeys", json=consent(participant), headers=OPS)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["workflow_id"] == f"journey-{participant}"
    assert body["temporal_ui"].endswith(f"/namespaces/default/workflows/journey-{participant}")

    again = await api.http.post("/api/journeys", json=consent(participant), headers=OPS)
    assert again.status_code == 409
    assert again.json()["detail"] == f"Participant {participant} already has a journey (journey-{participant})"


async def test_an_invalid_consent_is_422_listing_every_problem(api: Api) -> None:
    bad = {**consent(fresh_participant("API")), "height_cm": 20, "sex": "unknown", "shoe_size": 38}
    response = await api.http.post("/api/journeys", json=bad, headers=OPS)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Invalid input: 3 problem(s)"
    assert "height_cm: Input should be greater than or equal to 100" in body["problems"]
    assert "shoe_size: Extra inputs are not permitted" in body["problems"]
    assert any(line.startswith("sex: Input should be") for line in body["problems"])


async def test_a_consent_dated_in_the_future_is_422(api: Api) -> None:
    future = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    response = await api.http.post(
        "/api/journeys", json={**consent(fresh_participant("API")), "consent_date": future}, headers=OPS
    )
    assert response.status_code == 422
    assert response.json()["problems"] == [f"consent_date: {future} is in the future"]


async def test_a_value_outside_the_possible_range_is_422_with_the_models_message(api: Api) -> None:
    participant = fresh_participant("API")
    await api.start(participant)
    response = await api.http.post(
        f"/api/journeys/{participant}/lab-results", json=screening_labs(creatinine=99), headers=OPS
    )
    assert response.status_code == 422
    assert response.json()["problems"] == [
        "results.0: creatinine value 99.0 mg/dL is outside the possible range 0.0-30.0 mg/dL; check the units"
    ]


async def test_a_refusal_by_the_workflow_validator_is_422_with_its_message(api: Api) -> None:
    participant = fresh_participant("API")
    await api.start(participant)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    response = await api.http.post(
        f"/api/journeys/{participant}/lab-results", json=screening_labs(at=tomorrow), headers=OPS
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith(f"Rejected: creatinine collected_at {tomorrow.isoformat()} is in the future"), detail
    # Refused input never reaches the journey's history.
    timeline = await api.http.get(f"/api/journeys/{participant}/timeline", headers=OPS)
    assert [entry["type"] for entry in timeline.json()].count("LabResultsRecorded") == 0


async def test_screening_to_baseline_then_list_timeline_and_audit(api: Api) -> None:
    participant = fresh_participant("API")
    site = f"{SITE}-B"
    await api.start(participant, site=site)
    for action, body in (("lab-results", screening_labs()), ("eligibility", eligibility())):
        response = await api.http.post(f"/api/journeys/{participant}/{action}", json=body, headers=OPS)
        assert response.status_code == 200, response.text
        assert response.json()["stage"] == "screening"
    await api.wait_for_stage(participant, "baseline")

    async def listed(stage: str) -> list[str]:
        response = await api.http.get("/api/journeys", params={"stage": stage, "site": site}, headers=SUPERVISOR)
        assert response.status_code == 200, response.text
        return [row["participant_id"] for row in response.json()]

    deadline = time.monotonic() + WAIT_SECONDS
    while participant not in await listed("baseline"):  # the read model follows the workflow
        assert time.monotonic() < deadline, "the read model never showed stage baseline"
        await asyncio.sleep(0.2)
    assert participant not in await listed("screening")
    everyone_elsewhere = await api.http.get("/api/journeys", params={"site": "NO-SUCH-SITE"}, headers=SUPERVISOR)
    assert everyone_elsewhere.json() == []

    timeline = (await api.http.get(f"/api/journeys/{participant}/timeline", headers=SUPERVISOR)).json()
    assert timeline[0]["type"] == "ConsentRecorded" and timeline[0]["actor"] == "ops.api"
    # Consent, screening labs and eligibility: each recorded as the signed-in person.
    staff_entries = [entry for entry in timeline if entry["actor"] != "system"]
    assert len(staff_entries) >= 3 and {entry["actor"] for entry in staff_entries} == {"ops.api"}

    audit = (await api.http.get(f"/api/journeys/{participant}/audit", headers=SUPERVISOR)).json()
    assert [event["sequence"] for event in audit] == list(range(1, len(audit) + 1))
    consent_event = audit[0]
    assert consent_event["type"] == "ConsentRecorded"
    assert consent_event["payload"]["date_of_birth"] == "[redacted]"
    assert consent_event["actor"] == "ops.api" and consent_event["recorded_at"]


async def test_unknown_and_malformed_participants(api: Api) -> None:
    missing = await api.http.get("/api/journeys/ITC-99999", headers=OPS)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No journey for participant ITC-99999"

    record_missing = await api.http.post("/api/journeys/ITC-99998/lab-results", json=screening_labs(), headers=OPS)
    assert record_missing.status_code == 404

    malformed = await api.http.get("/api/journeys/not an id/timeline", headers=OPS)
    assert malformed.status_code == 422
    assert malformed.json()["detail"] == "participant: 'not an id' is not a study ID like ITC-007"

    bad_stage = await api.http.get("/api/journeys", params={"stage": "orbit"}, headers=OPS)
    assert bad_stage.status_code == 422
    assert bad_stage.json()["problems"][0].startswith("stage: Input should be 'screening'")

    not_json = await api.http.post(
        "/api/journeys", content=b"{oops", headers={**OPS, "Content-Type": "application/json"}
    )
    assert not_json.status_code == 422
    assert not_json.json()["detail"] == "The request body is not valid JSON."


async def test_the_openapi_spec_and_its_browsable_docs_are_published(api: Api) -> None:
    spec = (await api.http.get("/openapi.json")).json()
    assert "/api/journeys" in spec["paths"] and "/api/journeys/{participant_id}/audit" in spec["paths"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    lab = spec["paths"]["/api/journeys/{participant_id}/lab-results"]["post"]
    assert lab["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("RecordLabResultsInput")
    assert {"401", "403", "422"} <= set(lab["responses"])
    assert not any(path.startswith(("/participants", "/login", "/board")) for path in spec["paths"])

    docs = await api.http.get("/docs")
    assert docs.status_code == 200
    # Served from the package, not a CDN: the machine has no internet.
    assert (await api.http.get("/static-docs/swagger-ui-bundle.js")).status_code == 200
    assert "cdn" not in docs.text.lower()


async def test_the_signed_in_person_sets_the_role_and_a_refused_write_joins_the_audit_trail(api: Api) -> None:
    participant = fresh_participant("API")
    await api.start(participant)

    claimed = await api.http.post(
        f"/api/journeys/{participant}/lab-results", json={**screening_labs(), "role": "supervisor"}, headers=OPS
    )
    assert claimed.status_code == 403
    assert claimed.json()["detail"] == "The request says role supervisor, but your account's roles are: operations."

    decision = {"actor_id": "ops.api", "decision": "off_study", "reason": "participant asked to stop"}
    refused = await api.http.post(f"/api/journeys/{participant}/decision", json=decision, headers=OPS)
    assert refused.status_code == 403
    assert (
        refused.json()["detail"] == "The operations role may not record a supervisor decision; that is for: supervisor."
    )

    accepted = await api.http.post(f"/api/journeys/{participant}/lab-results", json=screening_labs(), headers=OPS)
    assert accepted.status_code == 200, accepted.text

    async def audit() -> list[dict]:
        return (await api.http.get(f"/api/journeys/{participant}/audit", headers=SUPERVISOR)).json()

    deadline = time.monotonic() + WAIT_SECONDS
    while "LabResultsRecorded" not in [event["type"] for event in await audit()]:
        assert time.monotonic() < deadline, "the lab results never reached the event store"
        await asyncio.sleep(0.2)
    events = await audit()
    refusals = [event for event in events if event["type"] == "ActionRefused"]
    assert len(refusals) == 1, events
    assert (refusals[0]["actor"], refusals[0]["actor_role"]) == ("ops.api", "operations")
    assert refusals[0]["payload"]["refused_by"] == "api"
    assert refusals[0]["payload"]["update"] == "record_supervisor_decision"
    labs = next(event for event in events if event["type"] == "LabResultsRecorded")
    assert (labs["actor"], labs["actor_role"]) == ("ops.api", "operations")
