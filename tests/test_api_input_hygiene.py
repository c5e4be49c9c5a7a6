"""The API refuses control characters, non-finite or absurd numbers and implausible consent dates
with a 422 naming the field, and nothing reaches the journey or the event store."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fixtures_api import Api, consent, screening_labs
from fixtures_devstack import fresh_participant

from itc.models.roles import Role

OPS = Api.auth(Role.OPERATIONS)
SUPERVISOR = Api.auth(Role.SUPERVISOR)


async def _record_of(api: Api, participant: str) -> tuple[list[Any], list[Any]]:
    timeline = await api.http.get(f"/api/journeys/{participant}/timeline", headers=SUPERVISOR)
    audit = await api.http.get(f"/api/journeys/{participant}/audit", headers=SUPERVISOR)
    assert timeline.status_code == 200 and audit.status_code == 200, (timeline.text, audit.text)
    return timeline.json(), audit.json()


async def _settled_record(api: Api, participant: str) -> tuple[list[Any], list[Any]]:
    # Screening labs are ordered, and the events reach the store, through activities: wait until
    # the journey awaits the labs and both views agree.
    for _ in range(150):
        timeline, audit = await _record_of(api, participant)
        if any(entry["type"] == "LabsOrdered" for entry in timeline) and len(audit) == len(timeline):
            return timeline, audit
        await asyncio.sleep(0.2)
    raise AssertionError(f"the record of {participant} did not settle")


def _with_first_result(labs: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**labs, "results": [{**labs["results"][0], **changes}, *labs["results"][1:]]}


def _alt_limit(limit: Any) -> dict[str, Any]:
    labs = screening_labs()
    return {**labs, "results": [*labs["results"][:2], {**labs["results"][2], "upper_limit_normal": limit}]}


BAD_LAB_INPUTS = {
    "nul-in-reason": (
        lambda: {**screening_labs(), "reason": "recheck\x00 after haemolysis"},
        "reason: reason contains a control character (U+0000); remove it",
    ),
    "bel-in-actor": (
        lambda: {**screening_labs(), "actor_id": "nurse.api\x07"},
        "actor_id: actor_id contains a control character (U+0007); remove it",
    ),
    "cr-in-reason": (
        lambda: {**screening_labs(), "reason": "recheck\rapproved"},
        "reason: reason contains a control character (U+000D); remove it",
    ),
    "c1-in-request-id": (
        lambda: {**screening_labs(), "request_id": "req\x9b1"},
        "request_id: request_id contains a control character (U+009B); remove it",
    ),
    "rlo-in-reason": (
        lambda: {**screening_labs(), "reason": "approved \u202edevorppa ton"},
        "reason: reason contains a bidirectional control character (U+202E); remove it",
    ),
    "absurd-uln": (
        lambda: _alt_limit(1e308),
        "results.2: upper_limit_normal 1e+308 U/L for alt is outside the possible reference limits 0-200 U/L; "
        "check the units",
    ),
    "nan-value-as-text": (
        lambda: _with_first_result(screening_labs(), value="NaN"),
        "results.0.value: Input should be a finite number",
    ),
}


@pytest.mark.parametrize("case", list(BAD_LAB_INPUTS), ids=list(BAD_LAB_INPUTS))
async def test_bad_text_or_number_is_422_naming_the_field_and_changes_nothing(api: Api, case: str) -> None:
    make, problem = BAD_LAB_INPUTS[case]
    participant = fresh_participant("HYG")
    await api.start(participant)
    before = await _settled_record(api, participant)
    response = await api.http.post(f"/api/journeys/{participant}/lab-results", json=make(), headers=OPS)
    assert response.status_code == 422, response.text
    assert problem in response.json()["problems"], response.json()
    assert await _record_of(api, participant) == before


@pytest.mark.parametrize("literal", ["Infinity", "-Infinity", "NaN"])
async def test_a_non_finite_json_literal_is_422_not_stored_as_null(api: Api, literal: str) -> None:
    # Python's JSON parser reads these non-standard literals; a limit of infinity used to be stored as null.
    participant = fresh_participant("HYG")
    await api.start(participant)
    before = await _settled_record(api, participant)
    body = json.dumps(_alt_limit("PLACEHOLDER")).replace('"PLACEHOLDER"', literal)
    response = await api.http.post(
        f"/api/journeys/{participant}/lab-results",
        content=body,
        headers={**OPS, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert "results.2.upper_limit_normal: Input should be a finite number" in response.json()["problems"]
    assert await _record_of(api, participant) == before


BAD_CONSENTS = {
    "dated-1900-born-1850": (
        {"consent_date": "1900-03-01", "date_of_birth": "1850-01-01"},
        "consent_date: consent_date 1900-03-01 is before the trial was registered (2020); check the year",
    ),
    "born-1850": (
        {"date_of_birth": "1850-01-01"},
        "date_of_birth 1850-01-01 gives an age of",
    ),
    "nul-in-site": ({"site": "SITE-API\x00"}, "site: site contains a control character (U+0000); remove it"),
    "isolate-in-consent-version": (
        {"consent_form_version": "v2\u20661"},
        "consent_form_version: consent_form_version contains a bidirectional control character (U+2066); remove it",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CONSENTS), ids=list(BAD_CONSENTS))
async def test_an_implausible_or_unclean_consent_is_422_naming_the_field(api: Api, case: str) -> None:
    changes, problem = BAD_CONSENTS[case]
    participant = fresh_participant("HYG")
    response = await api.http.post("/api/journeys", json={**consent(participant), **changes}, headers=OPS)
    assert response.status_code == 422, response.text
    problems = response.json()["problems"]
    assert any(problem in line for line in problems), problems
    assert (await api.http.get(f"/api/journeys/{participant}", headers=SUPERVISOR)).status_code == 404
