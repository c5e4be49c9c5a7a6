"""Every role against every action of the HTTP API, on the real dev stack.

The expected matrix is written out here, not read from journey_models.roles, so a wrong
permission table fails this test instead of agreeing with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fixtures_api import PEOPLE, Api, consent, eligibility, screening_labs, sign_in
from fixtures_devstack import fresh_participant, iso

from itc.api import auth
from itc.api.auth import MISSING_TOKEN, UNKNOWN_TOKEN
from itc.api.csrf import csrf_token
from itc.api.pages.session import SESSION_COOKIE
from itc.models.roles import Action, Role


def _now() -> str:
    return iso(datetime.now(UTC) - timedelta(minutes=1))


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # {p} is the participant
    body: Callable[[str], dict[str, Any]] | None = None
    needs_journey: bool = True


MISREAD_UNIT = "ITC-0000-0000-A-S1"

ENDPOINTS = [
    Endpoint("start", "POST", "/api/journeys", lambda p: consent(p), needs_journey=False),
    Endpoint("lab-results", "POST", "/api/journeys/{p}/lab-results", lambda p: screening_labs()),
    Endpoint("eligibility", "POST", "/api/journeys/{p}/eligibility", lambda p: eligibility()),
    Endpoint(
        "scan",
        "POST",
        "/api/journeys/{p}/scan",
        lambda p: {
            "actor_id": "rad.api",
            "kind": "baseline",
            "scanned_at": _now(),
            "target_lesions": [{"lesion_id": "L1", "organ": "lung", "diameter_mm": 20}],
        },
    ),
    Endpoint(
        "biopsy",
        "POST",
        "/api/journeys/{p}/biopsy",
        lambda p: {"actor_id": "nurse.api", "sample_id": "BX-1", "collected_at": _now()},
    ),
    Endpoint(
        "milestone",
        "POST",
        "/api/journeys/{p}/milestone",
        lambda p: {"actor_id": "lab.api", "milestone": "biopsy_received", "sample_id": "BX-1", "occurred_at": _now()},
    ),
    Endpoint(
        "infusion",
        "POST",
        "/api/journeys/{p}/infusion",
        lambda p: {
            "actor_id": "nurse.api",
            "infusion_number": 1,
            "administered_at": _now(),
            "cells_administered": 5e9,
            "product_sample_id": "BX-1",
        },
    ),
    Endpoint(
        "adverse-event",
        "POST",
        "/api/journeys/{p}/adverse-event",
        lambda p: {
            "actor_id": "nurse.api",
            "term": "nausea",
            "category": "non_haematological",
            "grade": 1,
            "attribution": "unlikely",
            "onset_at": _now(),
        },
    ),
    Endpoint(
        "withdrawal",
        "POST",
        "/api/journeys/{p}/withdrawal",
        lambda p: {"actor_id": "nurse.api", "withdrawn_at": _now()},
    ),
    Endpoint(
        "death",
        "POST",
        "/api/journeys/{p}/death",
        lambda p: {"actor_id": "dr.api", "died_at": _now(), "attribution": "unrelated"},
    ),
    Endpoint(
        "decision",
        "POST",
        "/api/journeys/{p}/decision",
        lambda p: {"actor_id": "sup.api", "decision": "continue_manufacturing", "reason": "Lab asked for more time"},
    ),
    # A label whose check character is wrong: refused by the journey, past the permission check.
    Endpoint(
        "custody",
        "POST",
        "/api/journeys/{p}/custody",
        lambda p: {
            "actor_id": "nurse.api",
            "handoff": "shipped",
            "unit_id": MISREAD_UNIT,
            "participant_scan": p,
            "occurred_at": _now(),
        },
    ),
    Endpoint(
        "quality-decision",
        "POST",
        "/api/journeys/{p}/quality-decision",
        lambda p: {"actor_id": "qa.api", "unit_id": MISREAD_UNIT, "decision": "discard", "reason": "Seal broken"},
    ),
    Endpoint(
        "bedside",
        "POST",
        "/api/journeys/{p}/bedside",
        lambda p: {
            "actor_id": "nurse.api",
            "infusion_number": 1,
            "unit_id": MISREAD_UNIT,
            "wristband_id": p,
            "verified_at": _now(),
        },
    ),
    Endpoint("status", "GET", "/api/journeys/{p}"),
    Endpoint("list", "GET", "/api/journeys?stage=screening", needs_journey=False),
    Endpoint("timeline", "GET", "/api/journeys/{p}/timeline"),
    Endpoint("audit", "GET", "/api/journeys/{p}/audit"),
    # The trial workflow exists once someone is enrolled, hence needs_journey.
    Endpoint("trial", "GET", "/api/trial"),
    Endpoint(
        "trial-resume", "POST", "/api/trial/resume", lambda p: {"actor_id": "sup.api", "reason": "Safety review done"}
    ),
]

READS = {"status", "list", "timeline", "audit", "trial"}
EXPECTED_ALLOWED: dict[Role, set[str]] = {
    Role.OPERATIONS: READS
    | {
        "start",
        "lab-results",
        "eligibility",
        "scan",
        "biopsy",
        "infusion",
        "adverse-event",
        "withdrawal",
        "death",
        "custody",
        "bedside",
    },
    Role.LAB: READS | {"lab-results", "milestone", "custody"},
    Role.SUPERVISOR: READS | {"decision", "trial-resume"},
    Role.INVESTIGATOR: READS | {"eligibility", "scan", "adverse-event"},
    Role.QUALITY: READS | {"milestone", "quality-decision"},
}

ACTION_WORDS = {
    "start": "start a journey",
    "lab-results": "record lab results",
    "eligibility": "record an eligibility assessment",
    "scan": "record a scan",
    "biopsy": "record a biopsy",
    "milestone": "record a manufacturing milestone",
    "infusion": "record an infusion",
    "adverse-event": "record an adverse event",
    "withdrawal": "record a withdrawal",
    "death": "record a death",
    "decision": "record a supervisor decision",
    "custody": "record a custody handoff",
    "quality-decision": "record a quality decision",
    "bedside": "record a bedside verification",
    "trial-resume": "resume the trial",
}


@pytest.fixture(scope="module")
async def read_only_journey(api: Api) -> str:
    participant = fresh_participant("AUTH")
    await api.start(participant)
    return participant


async def _call(
    api: Api, endpoint: Endpoint, participant: str, headers: dict[str, str], actor: str | None = None
) -> Any:
    path = endpoint.path.format(p=participant)
    body = endpoint.body(participant) if endpoint.body else None
    if body is not None and actor is not None:
        body["actor_id"] = actor  # a person records in their own name only (see test_api_identity)
    return await api.http.request(endpoint.method, path, json=body, headers=headers)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
async def test_role_against_action(api: Api, role: Role, endpoint: Endpoint, read_only_journey: str) -> None:
    participant = fresh_participant("AUTH")
    allowed = endpoint.name in EXPECTED_ALLOWED[role]
    if allowed and endpoint.name in READS:
        # Reads change nothing: one journey serves them all, so the matrix stays within the
        # trial's enrolment cap however many roles there are.
        participant = read_only_journey
    elif allowed and endpoint.needs_journey:
        await api.start(participant)

    response = await _call(api, endpoint, participant, api.auth(role), PEOPLE[role])

    if allowed:
        # Allowed means the request got past the permission check: accepted, or refused by
        # the journey's own validator for this stage (a 422 with the validator's words).
        detail = response.json().get("detail", "") if response.status_code >= 400 else ""
        assert response.status_code < 300 or (response.status_code == 422 and detail.startswith("Rejected: ")), (
            response.status_code,
            response.text,
        )
    else:
        assert response.status_code == 403, response.text
        detail = response.json()["detail"]
        assert detail.startswith(f"The {role.value} role may not {ACTION_WORDS[endpoint.name]}"), detail
        permitted = [r.value for r in Role if endpoint.name in EXPECTED_ALLOWED[r]]
        assert detail.endswith(f"that is for: {', '.join(permitted)}."), detail


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, MISSING_TOKEN),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, MISSING_TOKEN),
        ({"Authorization": "Bearer not-a-known-token"}, UNKNOWN_TOKEN),
    ],
    ids=["no-token", "not-bearer", "unknown-token"],
)
async def test_unauthenticated_is_401(api: Api, endpoint: Endpoint, headers: dict[str, str], message: str) -> None:
    response = await _call(api, endpoint, "ITC-001", headers)
    assert response.status_code == 401, response.text
    assert response.json()["detail"] == message
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_a_refused_role_is_refused_before_its_input_is_judged(api: Api) -> None:
    """A lab token with an invalid consent still hears 403, not a list of field errors."""
    response = await api.http.post("/api/journeys", json={"participant_id": "x"}, headers=api.auth(Role.LAB))
    assert response.status_code == 403
    assert "may not start a journey" in response.json()["detail"]


@pytest.fixture
def role_checks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Role | None, Action]]:
    """Every permission check the API makes, as (role, action); pages asking whether to show a
    link or a form (`Principal.may`) are not checks."""
    checks: list[tuple[Role | None, Action]] = []
    check = auth.role_refusal

    def counted(role: Role | None, action: Action) -> str | None:
        checks.append((role, action))
        return check(role, action)

    monkeypatch.setattr(auth, "role_refusal", counted)
    return checks


async def test_each_api_request_checks_the_role_once(api: Api, role_checks: list[tuple[Role | None, Action]]) -> None:
    participant = fresh_participant("ONCE")
    await api.start(participant)
    for endpoint in ENDPOINTS:
        for role in Role:
            role_checks.clear()
            target = fresh_participant("ONCE") if endpoint.name == "start" else participant
            response = await _call(api, endpoint, target, api.auth(role), PEOPLE[role])
            assert len(role_checks) == 1, (endpoint.name, role.value, role_checks, response.status_code)


async def test_each_dashboard_form_checks_the_role_once(
    api: Api, role_checks: list[tuple[Role | None, Action]]
) -> None:
    participant = fresh_participant("ONCE")
    await api.start(participant)

    sessions = {role: await sign_in(api, role) for role in (Role.LAB, Role.OPERATIONS)}

    def signed_in(role: Role) -> dict[str, str]:
        return {
            "Cookie": f"{SESSION_COOKIE}={sessions[role]}",
            "X-CSRF-Token": csrf_token(sessions[role], "dashboard", PEOPLE[role]),
        }

    role_checks.clear()
    refused = await api.http.post(
        f"/participants/{participant}/record/death", data={"died_at": "2026-01-06T09:00"}, headers=signed_in(Role.LAB)
    )
    assert refused.status_code == 403, refused.text
    assert role_checks == [(Role.LAB, Action.DEATH)]

    role_checks.clear()
    accepted = await api.http.post(
        f"/participants/{participant}/record/lab-results",
        data={"collected_at": _now().removesuffix("Z")[:16], "lab.creatinine": "0.9"},
        headers=signed_in(Role.OPERATIONS),
    )
    assert accepted.status_code == 303, accepted.text
    assert role_checks == [(Role.OPERATIONS, Action.LAB_RESULTS)]
