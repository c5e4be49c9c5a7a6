"""The chain report over HTTP on the real dev stack, read from the event store."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fixtures_api import PEOPLE, Api, sign_in
from fixtures_devstack import WAIT_SECONDS, fresh_participant

from itc.api.pages.session import SESSION_COOKIE
from itc.models.roles import Role
from itc.rules.chain_of_identity import parse_coi

OPS = Api.auth(Role.OPERATIONS)


async def stored_chain(api: Api, participant: str) -> dict[str, Any]:
    """The report once the journey's first events reached the store (a start answers before that)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        response = await api.http.get(f"/api/journeys/{participant}/chain", headers=OPS)
        assert response.status_code == 200, response.text
        report: dict[str, Any] = response.json()
        if report["chain_of_identity"] is not None or time.monotonic() > deadline:
            return report
        await asyncio.sleep(0.2)


async def test_the_chain_report_is_the_stored_coi_and_a_misread_label_is_refused(api: Api) -> None:
    participant = fresh_participant("CHN")
    await api.start(participant)
    report = await stored_chain(api, participant)
    # Read after the report, so every event the report saw is in the audit trail too.
    audit = (await api.http.get(f"/api/journeys/{participant}/audit", headers=OPS)).json()
    assigned = [e["payload"]["chain_of_identity"] for e in audit if e["type"] == "ChainOfIdentityAssigned"]
    assert [report["chain_of_identity"]] == assigned
    assert parse_coi(report["chain_of_identity"]) == report["chain_of_identity"]
    assert report["units"] == [] and report["incidents"] == []

    coi = report["chain_of_identity"]
    misread = coi[:-1] + ("A" if coi[-1] != "A" else "B")
    handoff = {
        "actor_id": PEOPLE[Role.OPERATIONS],
        "handoff": "shipped",
        "unit_id": f"{misread}-S1",
        "participant_scan": participant,
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
    }
    refused = await api.http.post(f"/api/journeys/{participant}/custody", json=handoff, headers=OPS)
    assert refused.status_code == 422, refused.text
    assert "wrong check character" in refused.json()["detail"]

    label = await api.http.get(f"/api/journeys/{participant}/units/{coi}-U1/label.pdf", headers=OPS)
    assert label.status_code == 404

    session = await sign_in(api, Role.OPERATIONS)
    page = await api.http.get(f"/participants/{participant}", headers={"Cookie": f"{SESSION_COOKIE}={session}"})
    assert page.status_code == 200, page.text
    assert "Chain of identity and custody" in page.text and f"COI {coi}" in page.text
