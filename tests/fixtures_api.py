"""The HTTP API app on the module's real dev stack, an httpx client for it, and the
inputs the API and browser tests send. Tokens are fixed test values."""

from __future__ import annotations

import asyncio
import json
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
from itc.api.settings import ApiSettings
from itc.drivers.staff_actions import ELIGIBLE_FINDINGS
from itc.models.roles import Role
from itc.runtime.database import close_pool, open_pool
from itc.runtime.temporal_client import connect

TOKENS: dict[Role, str] = {
    Role.OPERATIONS: "test-operations-token",
    Role.LAB: "test-lab-token",
    Role.SUPERVISOR: "test-supervisor-token",
}
SITE = "SITE-API"


def consent(participant_id: str, site: str = SITE) -> dict[str, Any]:
    return stack_consent(participant_id, site, actor_id="ops.api")


def screening_labs(creatinine: float = 0.8, *, at: datetime | None = None) -> dict[str, Any]:
    at = at or datetime.now(UTC) - timedelta(hours=1)
    return {
        "actor_id": "nurse.api",
        "results": [
            {"code": "creatinine", "value": creatinine, "collected_at": iso(at)},
            {"code": "spo2", "value": 98, "collected_at": iso(at)},
            {"code": "alt", "value": 30, "upper_limit_normal": 40, "collected_at": iso(at)},
            {"code": "ast", "value": 28, "upper_limit_normal": 40, "collected_at": iso(at)},
        ],
    }


def eligibility() -> dict[str, Any]:
    return {"actor_id": "dr.api", **ELIGIBLE_FINDINGS, "assessed_at": iso(datetime.now(UTC))}


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
    return ApiSettings(
        itc_api_tokens=json.dumps({token: role.value for role, token in TOKENS.items()}),
        temporal_ui_url=stack.ui_url,
        itc_dashboard_refresh_seconds=refresh_seconds,
    )


@pytest.fixture(scope="module")
async def app_on_stack(stack: Stack) -> AsyncIterator[FastAPI]:
    client = await connect(stack.settings)
    pool = await open_pool(stack.database_url)
    try:
        yield create_app(stack.settings, client, pool, api_settings(stack, refresh_seconds=1))
    finally:
        await close_pool(pool)


@pytest.fixture(scope="module")
async def api(stack: Stack, app_on_stack: FastAPI) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=app_on_stack)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Api(app_on_stack, http, stack)
