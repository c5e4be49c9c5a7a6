"""Signatures on the product release and on a trial resume, on the real dev stack through the
HTTP API (21 CFR 11.50 manifestation, 11.70 linking, 11.200(a) password at signing): quality
approves the product release QC whoever recorded it, and the supervisor who resumed the trial
after a safety pause signs the resume; a wrong password is refused and in the access log."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fixtures_api import ADMIN_TOKEN, PASSWORD, PEOPLE, Api
from fixtures_devstack import WAIT_SECONDS, fresh_participant

from itc.actions import BY_UPDATE
from itc.crypto.engine_keys import resolve_engine_keys
from itc.drivers.staff_actions import acting_in_role, drive_to_infusion
from itc.models.enums import Stage
from itc.models.inputs import ActionAccepted
from itc.models.roles import Role
from itc.models.state import JourneyStatus
from itc.models.trial import RecordDltOutcomeInput, trial_workflow_id
from itc.rules.config import DEFAULT_PROTOCOL
from itc.runtime.temporal_client import connect
from itc.runtime.worker import reporting_client

SUPERVISOR = Api.auth(Role.SUPERVISOR)


class JourneyThroughApi:
    """The drivers' journey shape over the HTTP API in real time: each action is sent with the
    token of the person whose role the action's registry entry names first."""

    def __init__(self, api: Api, participant: str) -> None:
        self.api, self.participant = api, participant

    async def now(self) -> datetime:
        return datetime.now(UTC) - timedelta(seconds=1)

    async def advance(self, duration: timedelta) -> None:
        """Real time does not skip: each step is simply recorded a moment after the last."""
        await asyncio.sleep(0.01)

    async def update(self, name: str, payload: Any) -> ActionAccepted:
        spec = BY_UPDATE[name]
        body = acting_in_role(name, dict(payload))
        role = Role(body.pop("role"))
        body["actor_id"] = PEOPLE[role]
        response = await self.api.http.post(
            f"/api/journeys/{self.participant}/{spec.action.value}", json=body, headers=Api.auth(role)
        )
        assert response.status_code == 200, f"{name}: {response.text}"
        return ActionAccepted.model_validate(response.json())

    async def state(self) -> JourneyStatus:
        response = await self.api.http.get(f"/api/journeys/{self.participant}", headers=SUPERVISOR)
        return JourneyStatus.model_validate(response.json())

    async def wait_for_stage(self, stage: Stage, timeout: float = WAIT_SECONDS) -> JourneyStatus:
        deadline = time.monotonic() + timeout
        while (status := await self.state()).stage != stage:
            assert time.monotonic() < deadline, f"{self.participant} stayed in {status.stage}, expected {stage}"
            await asyncio.sleep(0.2)
        return status


async def stored_event(api: Api, participant: str, event_type: str, **payload: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        audit = (await api.http.get(f"/api/journeys/{participant}/audit", headers=SUPERVISOR)).json()
        found = [e for e in audit if e["type"] == event_type and payload.items() <= e["payload"].items()]
        if found:
            return dict(found[0])
        assert time.monotonic() < deadline, f"no stored {event_type} {payload}"
        await asyncio.sleep(0.2)


async def access_log(api: Api, **filters: str) -> list[dict[str, Any]]:
    response = await api.http.get("/api/access-log", params=filters, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_quality_approves_the_product_release_whoever_recorded_it_21_cfr_11_50(api: Api) -> None:
    participant = fresh_participant("REL")
    await api.start(participant)
    await drive_to_infusion(JourneyThroughApi(api, participant))
    release = await stored_event(api, participant, "ManufacturingMilestoneRecorded", milestone="product_release_qc")
    earlier = await stored_event(api, participant, "ManufacturingMilestoneRecorded", milestone="ipsc_qc_passed")
    assert release["actor"] == PEOPLE[Role.LAB]
    # Among the milestones only the release awaits a signature, and it is quality's approval.
    assert release["signature_required"] == "approved" and earlier["signature_required"] is None

    url = f"/api/journeys/{participant}/events/{release['sequence']}/signature"
    quality = Api.auth(Role.QUALITY)
    wrong = await api.http.post(url, json={"password": "not my password at all"}, headers=quality)
    assert wrong.status_code == 401, wrong.text
    failed = await access_log(api, person=PEOPLE[Role.QUALITY], kind="signature_failed")
    assert failed and failed[0]["detail"]["sequence"] == release["sequence"]

    approved = await api.http.post(url, json={"password": PASSWORD}, headers=quality)
    assert approved.status_code == 201, approved.text
    assert approved.json()["meaning"] == "approved" and approved.json()["manifestation"].startswith(
        "Signed by Qa Api (qa.api), approved, "
    )
    performed = await api.http.post(url, json={"password": PASSWORD}, headers=Api.auth(Role.LAB))
    assert performed.status_code == 201 and performed.json()["meaning"] == "performed", performed.text
    outsider = await api.http.post(url, json={"password": PASSWORD}, headers=Api.auth(Role.OPERATIONS))
    assert outsider.status_code == 403 and "approved by the quality role" in outsider.json()["detail"]
    not_signed = await api.http.post(
        f"/api/journeys/{participant}/events/{earlier['sequence']}/signature", json={"password": PASSWORD},
        headers=quality,
    )  # fmt: skip
    assert not_signed.status_code == 403 and "does not carry a signature" in not_signed.json()["detail"]

    shown = await stored_event(api, participant, "ManufacturingMilestoneRecorded", milestone="product_release_qc")
    assert [(s["person_id"], s["meaning"], s["valid"]) for s in shown["signatures"]] == [
        (PEOPLE[Role.QUALITY], "approved", True),
        (PEOPLE[Role.LAB], "performed", True),
    ]


async def pause_trial(api: Api) -> None:
    """Three DLTs among three evaluable meet the BOIN boundary, reported as journeys report
    them: through a worker's client that signs with the signal key."""
    client = reporting_client(await connect(api.stack.settings), resolve_engine_keys(api.stack.settings))
    trial = client.get_workflow_handle(trial_workflow_id(DEFAULT_PROTOCOL.trial_id))
    for _ in range(3):
        await trial.signal("record_dlt_outcome", RecordDltOutcomeInput(
            participant_id=fresh_participant("DLT"), dlt=True, description="test DLT"
        ))  # fmt: skip
    deadline = time.monotonic() + WAIT_SECONDS
    while not (await api.http.get("/api/trial", headers=SUPERVISOR)).json()["paused"]:
        assert time.monotonic() < deadline, "the trial did not pause"
        await asyncio.sleep(0.2)


async def test_the_supervisor_signs_the_trial_resume_and_a_copied_signature_fails_21_cfr_11_70(api: Api) -> None:
    await api.start(fresh_participant("TRS"))  # the trial starts with its first enrolment
    await pause_trial(api)
    resumed = await api.http.post(
        "/api/trial/resume",
        json={"actor_id": PEOPLE[Role.SUPERVISOR], "reason": "DSMB reviewed the DLTs: unrelated"},
        headers=SUPERVISOR,
    )
    assert resumed.status_code == 200, resumed.text
    decisions = resumed.json()["decisions"]
    pause, resume = len(decisions) - 1, len(decisions)
    assert decisions[-1]["action"] == "resume" and decisions[-2]["action"] == "pause"

    # The pause is the trial's own; only the supervisor's resume carries a signature.
    by_system = await api.http.post(
        f"/api/trial/decisions/{pause}/signature", json={"password": PASSWORD}, headers=SUPERVISOR
    )
    assert by_system.status_code == 403 and "does not carry a signature" in by_system.json()["detail"]
    url = f"/api/trial/decisions/{resume}/signature"
    wrong = await api.http.post(url, json={"password": "not my password at all"}, headers=SUPERVISOR)
    assert wrong.status_code == 401, wrong.text
    failed = await access_log(api, person=PEOPLE[Role.SUPERVISOR], kind="signature_failed")
    assert failed and failed[0]["detail"]["trial_id"] == DEFAULT_PROTOCOL.trial_id
    assert failed[0]["detail"]["decision"] == resume

    signed = await api.http.post(url, json={"password": PASSWORD}, headers=SUPERVISOR)
    assert signed.status_code == 201, signed.text
    assert signed.json()["manifestation"].startswith("Signed by Sup Api (sup.api), approved, ")
    refused = await api.http.post(url, json={"password": PASSWORD}, headers=Api.auth(Role.OPERATIONS))
    assert refused.status_code == 403, refused.text
    logged = await access_log(api, person=PEOPLE[Role.SUPERVISOR], kind="signed")
    assert logged[0]["detail"] == {"trial_id": DEFAULT_PROTOCOL.trial_id, "decision": resume, "meaning": "approved"}

    # Someone with database access copies the signature onto the pause: it does not verify there.
    pool = api.app.state.context.people.pool
    await pool.execute(
        "INSERT INTO trial_decision_signatures (trial_id, sequence, person_id, printed_name, meaning, signed_at, "
        "record_hash) SELECT trial_id, $2, person_id, printed_name, meaning, signed_at, record_hash "
        "FROM trial_decision_signatures WHERE trial_id = $1 AND sequence = $3",
        DEFAULT_PROTOCOL.trial_id, pause, resume,
    )  # fmt: skip
    checks = (await api.http.get("/api/trial/signatures", headers=Api.auth(Role.LAB))).json()
    assert [(c["person_id"], c["valid"]) for c in checks[str(resume)]] == [(PEOPLE[Role.SUPERVISOR], True)]
    [moved] = checks[str(pause)]
    assert not moved["valid"] and moved["problem"] == "the decision differs from what was signed"
