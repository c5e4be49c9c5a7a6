"""The HTTP API app on the module's real dev stack, an httpx client for it, and the
inputs the API and browser tests send.

Each role is one person with a personal account (`PEOPLE`, password `PASSWORD`), created in
the stack's database when the app starts; `TOKENS` holds each one's personal API token from
then on, issued the way `itc login` gets one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fixtures_devstack import WAIT_SECONDS, Stack, iso
from fixtures_devstack import consent as stack_consent

from itc.api.app import create_app
from itc.api.pages.session import SESSION_COOKIE
from itc.api.settings import ApiSettings
from itc.drivers.staff_actions import ELIGIBLE_FINDINGS
from itc.models.roles import Role
from itc.people.access_log import Channel
from itc.people.models import AddPersonInput
from itc.people.service import People
from itc.runtime.database import close_pool, open_pool
from itc.runtime.temporal_client import connect

PEOPLE: dict[Role, str] = {
    Role.OPERATIONS: "ops.api",
    Role.LAB: "lab.api",
    Role.SUPERVISOR: "sup.api",
    Role.INVESTIGATOR: "inv.api",
    Role.QUALITY: "qa.api",
}
PASSWORD = "a long test passphrase"
ADMINISTRATOR = "admin.api"
# Each person's personal token: fixed values, registered in the stack's database when the app
# starts (`Tokens.install_known`, the path `itc demo` also takes for its published tokens).
TOKENS: dict[Role, str] = {
    Role.OPERATIONS: "itc_7e57000000000001_test-operations-token",
    Role.LAB: "itc_7e57000000000002_test-lab-token-value",
    Role.SUPERVISOR: "itc_7e57000000000003_test-supervisor-token",
    Role.INVESTIGATOR: "itc_7e57000000000005_test-investigator-token",
    Role.QUALITY: "itc_7e57000000000006_test-quality-token-value",
}
ADMIN_TOKEN = "itc_7e57000000000004_test-administrator-token"
SITE = "SITE-API"


def consent(participant_id: str, site: str = SITE) -> dict[str, Any]:
    return stack_consent(participant_id, site, actor_id=PEOPLE[Role.OPERATIONS])


def screening_labs(creatinine: float = 0.8, *, at: datetime | None = None) -> dict[str, Any]:
    at = at or datetime.now(UTC) - timedelta(hours=1)
    return {
        "actor_id": PEOPLE[Role.OPERATIONS],
        "results": [
            {"code": "creatinine", "value": creatinine, "collected_at": iso(at)},
            {"code": "spo2", "value": 98, "collected_at": iso(at)},
            {"code": "alt", "value": 30, "upper_limit_normal": 40, "collected_at": iso(at)},
            {"code": "ast", "value": 28, "upper_limit_normal": 40, "collected_at": iso(at)},
        ],
    }


def eligibility() -> dict[str, Any]:
    return {"actor_id": PEOPLE[Role.OPERATIONS], **ELIGIBLE_FINDINGS, "assessed_at": iso(datetime.now(UTC))}


@dataclass
class Api:
    app: FastAPI
    http: httpx.AsyncClient
    stack: Stack

    @staticmethod
    def auth(role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKENS[role]}"}

    async def start(self, participant_id: str, site: str = SITE) -> None:
        response = await self.http.post(
            "/api/journeys", json=consent(participant_id, site), headers=self.auth(Role.OPERATIONS)
        )
        assert response.status_code == 201, response.text

    async def stage(self, participant_id: str) -> str:
        response = await self.http.get(f"/api/journeys/{participant_id}", headers=self.auth(Role.SUPERVISOR))
        assert response.status_code == 200, response.text
        return str(response.json()["stage"])

    async def wait_for_stage(self, participant_id: str, stage: str) -> None:
        # A stage change follows an accepted Update once its activities have run.
        deadline = time.monotonic() + WAIT_SECONDS
        while (current := await self.stage(participant_id)) != stage:
            assert time.monotonic() < deadline, f"{participant_id} stayed in {current}, expected {stage}"
            await asyncio.sleep(0.2)


def api_settings(stack: Stack, refresh_seconds: int = 10) -> ApiSettings:
    return ApiSettings(temporal_ui_url=stack.ui_url, itc_dashboard_refresh_seconds=refresh_seconds)


async def ensure_people(pool: Any) -> None:
    """One account per role and an administrator, each with a personal token (once per stack)."""
    people = People.on(pool)
    wanted = {**{person: [role.value] for role, person in PEOPLE.items()}, ADMINISTRATOR: ["administrator"]}
    for person_id, roles in wanted.items():
        if await people.accounts.get(person_id) is None:
            data = AddPersonInput(person_id=person_id, full_name=full_name(person_id), roles=roles, password=PASSWORD)
            await people.accounts.add(data, actor_id="bootstrap", channel=Channel.BOOTSTRAP)
    holders = {**{TOKENS[role]: person_id for role, person_id in PEOPLE.items()}, ADMIN_TOKEN: ADMINISTRATOR}
    for token, person_id in holders.items():
        await people.tokens.install_known(
            token, person_id, label="tests", days=1, actor_id="bootstrap", channel=Channel.BOOTSTRAP
        )


def full_name(person_id: str) -> str:
    """A printed name for a test person: "ops.api" signs as "Ops Api"."""
    return " ".join(part.capitalize() for part in person_id.split("."))


@pytest.fixture(scope="module")
async def app_on_stack(stack: Stack) -> AsyncIterator[FastAPI]:
    client = await connect(stack.settings)
    pool = await open_pool(stack.database_url)
    try:
        await ensure_people(pool)
        yield create_app(stack.settings, client, pool, api_settings(stack, refresh_seconds=1))
    finally:
        await close_pool(pool)


@pytest.fixture(scope="module")
async def api(stack: Stack, app_on_stack: FastAPI) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=app_on_stack)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Api(app_on_stack, http, stack)


async def sign_in(api: Api, role: Role) -> str:
    """A dashboard session of the role's person: the session cookie's value."""
    response = await api.http.post("/login", data={"person_id": PEOPLE[role], "password": PASSWORD, "next": "/"})
    assert response.status_code == 303, response.text
    secret = response.cookies.get(SESSION_COOKIE)
    assert secret, response.headers
    api.http.cookies.clear()  # each caller sends the cookie it means to
    return secret
