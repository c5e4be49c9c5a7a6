"""People through the HTTP API on the real dev stack: the actor is the authenticated person,
sites bound who a person acts on, tokens come from signing in and end at sign-out, lockout,
and the access log (ICH E6(R3) 4.2.2, 21 CFR 11.10(d) and 11.300)."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from typing import Any

from fixtures_api import ADMIN_TOKEN, PASSWORD, PEOPLE, SITE, Api, consent, eligibility, screening_labs
from fixtures_api import sign_in as sign_in_dashboard
from fixtures_devstack import WAIT_SECONDS, fresh_participant

from itc.api.pages.session import SESSION_COOKIE
from itc.models.roles import Role

OPS = Api.auth(Role.OPERATIONS)
SUPERVISOR = Api.auth(Role.SUPERVISOR)
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
NEW_PASSWORD = "another long passphrase"


async def add_person(api: Api, person_id: str, roles: list[str], sites: list[str] | None = None) -> None:
    body = {"person_id": person_id, "full_name": "Test Person", "roles": roles, "password": NEW_PASSWORD}
    response = await api.http.post("/api/people", json={**body, "sites": sites or []}, headers=ADMIN)
    assert response.status_code == 201, response.text


async def sign_in(api: Api, person_id: str, password: str = NEW_PASSWORD) -> Any:
    return await api.http.post("/api/session/token", json={"person_id": person_id, "password": password})


async def token_of(api: Api, person_id: str) -> dict[str, str]:
    response = await sign_in(api, person_id)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def listed(api: Api) -> list[dict[str, Any]]:
    return list((await api.http.get("/api/journeys", params={"site": SITE}, headers=SUPERVISOR)).json())


async def access_log(api: Api, **params: str) -> list[dict[str, Any]]:
    response = await api.http.get("/api/access-log", params=params, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_a_body_naming_another_actor_is_refused_and_the_person_is_recorded(api: Api) -> None:
    """21 CFR 11.10(d)/11.50: the record names the authenticated person, never a claimed one."""
    participant = fresh_participant("WHO")
    await api.start(participant)
    claimed = await api.http.post(
        f"/api/journeys/{participant}/lab-results", json={**screening_labs(), "actor_id": "dr.karimi"}, headers=OPS
    )
    assert claimed.status_code == 403, claimed.text
    assert claimed.json()["detail"].startswith("The request names actor dr.karimi, but you are signed in as ops.api")

    accepted = await api.http.post(f"/api/journeys/{participant}/lab-results", json=screening_labs(), headers=OPS)
    assert accepted.status_code == 200, accepted.text
    timeline = (await api.http.get(f"/api/journeys/{participant}/timeline", headers=SUPERVISOR)).json()
    assert {entry["actor"] for entry in timeline if entry["actor"] != "system"} == {PEOPLE[Role.OPERATIONS]}


async def test_a_start_naming_another_actor_is_refused_21_cfr_11_10_d(api: Api) -> None:
    """21 CFR 11.10(d)/11.50: the start route, like every record route, refuses a consent body
    naming someone other than the person signed in, and starts nothing."""
    participant = fresh_participant("WHS")
    claimed = await api.http.post("/api/journeys", json={**consent(participant), "actor_id": "dr.karimi"}, headers=OPS)
    assert claimed.status_code == 403, claimed.text
    assert claimed.json()["detail"].startswith("The request names actor dr.karimi, but you are signed in as ops.api")
    missing = await api.http.get(f"/api/journeys/{participant}", headers=SUPERVISOR)
    assert missing.status_code == 404, missing.text


async def test_a_person_acts_only_on_participants_of_their_sites(api: Api) -> None:
    await add_person(api, "ops.north", ["operations"], ["SITE-NORTH"])
    north = await token_of(api, "ops.north")
    elsewhere = fresh_participant("SITE")
    refused = await api.http.post("/api/journeys", json={**consent(elsewhere), "actor_id": "ops.north"}, headers=north)
    assert refused.status_code == 403, refused.text
    assert "your sites (SITE-NORTH)" in refused.json()["detail"]

    own = fresh_participant("SITE")
    started = await api.http.post(
        "/api/journeys", json={**consent(own, site="SITE-NORTH"), "actor_id": "ops.north"}, headers=north
    )
    assert started.status_code == 201, started.text

    # A participant of another site, once the read model knows its site.
    other = fresh_participant("SITE")
    await api.start(other)
    deadline = time.monotonic() + WAIT_SECONDS
    while other not in {row["participant_id"] for row in await listed(api)}:
        assert time.monotonic() < deadline, "the read model never listed the participant"
        await asyncio.sleep(0.2)
    labs = {**screening_labs(), "actor_id": "ops.north"}
    across = await api.http.post(f"/api/journeys/{other}/lab-results", json=labs, headers=north)
    assert across.status_code == 403, across.text


async def test_sign_in_token_sign_out_and_the_access_log(api: Api) -> None:
    await add_person(api, "lab.token", ["lab"])
    headers = await token_of(api, "lab.token")
    me = await api.http.get("/api/me", headers=headers)
    assert me.status_code == 200 and me.json()["roles"] == ["lab"]
    assert (await api.http.delete("/api/session/token", headers=headers)).status_code == 204
    gone = await api.http.get("/api/me", headers=headers)
    assert gone.status_code == 401, gone.text

    kinds = [entry["kind"] for entry in reversed(await access_log(api, person="lab.token"))]
    assert kinds == ["account_created", "signed_in", "token_issued", "token_revoked", "signed_out"]
    created = (await access_log(api, person="lab.token", kind="account_created"))[0]
    assert created["actor_id"] == "admin.api" and created["occurred_at"]

    as_csv = await api.http.get("/api/access-log", params={"person": "lab.token", "format": "csv"}, headers=SUPERVISOR)
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [row["kind"] for row in reversed(rows)] == kinds
    assert PASSWORD not in as_csv.text and NEW_PASSWORD not in as_csv.text

    lab = await api.http.get("/api/access-log", headers=Api.auth(Role.LAB))
    assert lab.status_code == 403


async def test_lockout_after_the_configured_failures_and_reset_by_an_administrator(api: Api) -> None:
    await add_person(api, "ops.locked", ["operations"])
    answers = [await sign_in(api, "ops.locked", "a wrong passphrase!") for _ in range(5)]
    assert [answer.status_code for answer in answers] == [401] * 5
    assert answers[0].json()["detail"] == "Wrong person ID, password or code."
    assert "locked" in answers[-1].json()["detail"]
    right = await sign_in(api, "ops.locked")
    assert right.status_code == 401 and "locked" in right.json()["detail"]

    reset = await api.http.post(
        "/api/people/ops.locked/password", json={"password": "a fresh, different passphrase"}, headers=ADMIN
    )
    assert reset.status_code == 200, reset.text
    assert (await sign_in(api, "ops.locked", "a fresh, different passphrase")).status_code == 201
    kinds = [entry["kind"] for entry in await access_log(api, person="ops.locked")]
    assert kinds.count("sign_in_failed") == 6 and "locked" in kinds and "password_reset" in kinds


async def test_only_administrators_manage_accounts_and_changes_are_logged(api: Api) -> None:
    body = {"person_id": "x.intruder", "full_name": "X", "roles": ["administrator"], "password": NEW_PASSWORD}
    assert (await api.http.post("/api/people", json=body, headers=SUPERVISOR)).status_code == 403
    await add_person(api, "ops.roles", ["operations"])
    changed = await api.http.put("/api/people/ops.roles/roles", json={"roles": ["lab"]}, headers=ADMIN)
    assert changed.status_code == 200 and changed.json()["roles"] == ["lab"]
    disabled = await api.http.post("/api/people/ops.roles/disable", headers=ADMIN)
    assert disabled.json()["disabled"] is True
    assert (await sign_in(api, "ops.roles")).status_code == 401
    entries = await access_log(api, person="ops.roles")
    roles_changed = next(entry for entry in entries if entry["kind"] == "roles_changed")
    assert roles_changed["detail"] == {"before": ["operations"], "after": ["lab"]}
    assert "account_disabled" in [entry["kind"] for entry in entries]


async def eligibility_recorded(api: Api) -> tuple[str, int]:
    participant = fresh_participant("SIGN")
    await api.start(participant)
    labs = await api.http.post(f"/api/journeys/{participant}/lab-results", json=screening_labs(), headers=OPS)
    assert labs.status_code == 200, labs.text
    recorded = await api.http.post(f"/api/journeys/{participant}/eligibility", json=eligibility(), headers=OPS)
    assert recorded.status_code == 200, recorded.text
    return participant, int(recorded.json()["sequence"])


async def test_a_signature_needs_the_password_at_signing_and_shows_name_time_and_meaning(api: Api) -> None:
    """21 CFR 11.50 (name, date and time, meaning), 11.200(a) (password at signing), 11.70 (bound)."""
    participant, sequence = await eligibility_recorded(api)
    url = f"/api/journeys/{participant}/events/{sequence}/signature"
    wrong = await api.http.post(url, json={"password": "not my password at all"}, headers=OPS)
    assert wrong.status_code == 401, wrong.text
    failed = await access_log(api, person=PEOPLE[Role.OPERATIONS], kind="signature_failed")
    assert failed and failed[0]["detail"]["sequence"] == sequence

    signed = await api.http.post(url, json={"password": PASSWORD}, headers=OPS)
    assert signed.status_code == 201, signed.text
    view = signed.json()
    assert view["valid"] and view["meaning"] == "approved" and view["printed_name"] == "Ops Api"
    assert view["manifestation"].startswith("Signed by Ops Api (ops.api), approved, ")
    assert view["manifestation"].endswith(" UTC")
    again = await api.http.post(url, json={"password": PASSWORD}, headers=OPS)
    assert again.status_code == 403 and "already signed" in again.json()["detail"]

    audit = (await api.http.get(f"/api/journeys/{participant}/audit", headers=SUPERVISOR)).json()
    event = next(e for e in audit if e["sequence"] == sequence)
    assert event["signature_required"] == "approved"
    assert [s["manifestation"] for s in event["signatures"]] == [view["manifestation"]]
    assert all(not e["signatures"] for e in audit if e["sequence"] != sequence)

    # A second person who may take the action verifies; one who may not cannot sign.
    await add_person(api, "ops.second", ["operations"])
    second = await api.http.post(url, json={"password": NEW_PASSWORD}, headers=await token_of(api, "ops.second"))
    assert second.status_code == 201 and second.json()["meaning"] == "verified", second.text
    lab = await api.http.post(url, json={"password": PASSWORD}, headers=Api.auth(Role.LAB))
    assert lab.status_code == 403, lab.text
    labs_event = next(e for e in audit if e["type"] == "LabResultsRecorded")["sequence"]
    unsigned = await api.http.post(
        f"/api/journeys/{participant}/events/{labs_event}/signature", json={"password": PASSWORD}, headers=OPS
    )
    assert unsigned.status_code == 403 and "does not carry a signature" in unsigned.json()["detail"]


async def test_a_signature_moved_to_another_record_fails_verification_21_cfr_11_70(api: Api) -> None:
    participant, sequence = await eligibility_recorded(api)
    url = f"/api/journeys/{participant}/events/{sequence}/signature"
    assert (await api.http.post(url, json={"password": PASSWORD}, headers=OPS)).status_code == 201
    # Someone with database access copies the signature row onto the lab results event.
    pool = api.app.state.context.people.pool
    await pool.execute(
        "INSERT INTO electronic_signatures (participant_id, sequence, person_id, printed_name, meaning, signed_at, "
        "record_hash) SELECT participant_id, $2, 'sup.api', printed_name, meaning, signed_at, record_hash "
        "FROM electronic_signatures WHERE participant_id = $1 AND sequence = $3",
        participant, sequence - 1, sequence,
    )  # fmt: skip
    checks = (await api.http.get(f"/api/journeys/{participant}/signatures", headers=SUPERVISOR)).json()
    assert [check["valid"] for check in checks[str(sequence)]] == [True]
    [moved] = checks[str(sequence - 1)]
    assert not moved["valid"] and moved["problem"] == "the record differs from what was signed"
    assert "INVALID" in moved["manifestation"]


async def test_the_supervisors_access_log_page_filters_and_exports_csv(api: Api) -> None:
    await add_person(api, "lab.page", ["lab"])
    await sign_in(api, "lab.page", "a wrong passphrase!")
    supervisor = await sign_in_dashboard(api, Role.SUPERVISOR)
    page = await api.http.get(
        "/access-log", params={"person": "lab.page", "kind": "sign_in_failed"}, cookies={SESSION_COOKIE: supervisor}
    )
    assert page.status_code == 200, page.text
    table = page.text.split('id="access-log"', 1)[1]
    assert "sign in failed" in table and "lab.page" in table and "account created" not in table
    exported = await api.http.get(
        "/access-log.csv", params={"person": "lab.page"}, cookies={SESSION_COOKIE: supervisor}
    )
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["kind"] for row in reversed(rows)] == ["account_created", "sign_in_failed"]

    lab = await sign_in_dashboard(api, Role.LAB)
    refused = await api.http.get("/access-log", cookies={SESSION_COOKIE: lab})
    assert refused.status_code == 403
