"""The journey worker process: connect, register search attributes, run until SIGINT/SIGTERM.

Needs TEMPORAL_ADDRESS and DATABASE_URL, or a running `itc dev` on the same ITC_DATA_DIR
(whose embedded PostgreSQL it then shares). Entry points: `itc-worker` and `python worker.py`.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NoReturn

from temporalio.client import Client
from temporalio.worker import Worker

from itc.base.errors import DatabaseUnreachable, UserFacingError
from itc.base.logging import configure_logging, get_logger
from itc.base.process_exit import end_process, exit_code_of
from itc.base.settings import Settings
from itc.crypto.assertions import ASSERTION_MAX_AGE
from itc.crypto.engine_keys import EngineKeys, resolve_engine_keys
from itc.runtime.client_trust import SignalSigningInterceptor
from itc.runtime.database import close_pool, open_engine_pool
from itc.runtime.devstack import embedded_postgres_url
from itc.runtime.interceptors import JourneyLogContextInterceptor
from itc.runtime.temporal_client import connect, ensure_search_attributes
from itc.runtime.workflow_trust import EngineTrustInterceptor

log = get_logger("worker")

# Long enough for in-flight activities (one DB transaction or service call each) to finish.
GRACEFUL_SHUTDOWN_SECONDS = 30


def worker_interceptors(keys: EngineKeys, assertion_max_age: timedelta = ASSERTION_MAX_AGE) -> list[Any]:
    """What every worker and replayer of the journey and trial workflows installs."""
    return [JourneyLogContextInterceptor(), EngineTrustInterceptor(keys, assertion_max_age)]


def reporting_client(client: Client, keys: EngineKeys) -> Client:
    """The worker's client with the signal key: a journey's reports to its trial carry a MAC."""
    config = client.config()
    config["interceptors"] = [*config["interceptors"], SignalSigningInterceptor(keys.signals)]
    return Client(**config)


def build_activities(client: Client, pool: Any, task_queue: str) -> list[Any]:
    from activities.journey_activities import JourneyActivities, activities_for_worker
    from activities.trial_reports import TrialReportActivities, trial_report_activities
    from itc.eventstore.store import EventStore
    from itc.services.postgres import (
        PostgresLabService,
        PostgresNotificationService,
        PostgresSchedulingService,
    )
    from itc.services.postgres_slots import PostgresManufacturingSlots

    acts = JourneyActivities(
        EventStore(pool),
        PostgresNotificationService(pool),
        PostgresLabService(pool),
        PostgresSchedulingService(pool),
        PostgresManufacturingSlots(pool),
    )
    return [*activities_for_worker(acts), *trial_report_activities(TrialReportActivities(client, task_queue))]


def build_worker(client: Client, pool: Any, settings: Settings) -> Worker:
    from workflows.journey import ParticipantJourneyWorkflow
    from workflows.runner import workflow_runner
    from workflows.trial import TrialWorkflow

    keys = resolve_engine_keys(settings)
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[ParticipantJourneyWorkflow, TrialWorkflow],
        activities=build_activities(reporting_client(client, keys), pool, settings.task_queue),
        workflow_runner=workflow_runner(),
        interceptors=worker_interceptors(keys, timedelta(seconds=settings.itc_assertion_max_age_seconds)),
        graceful_shutdown_timeout=timedelta(seconds=GRACEFUL_SHUTDOWN_SECONDS),
    )


def resolve_database_url(settings: Settings) -> str:
    dsn = settings.database_url or embedded_postgres_url(settings)
    if not dsn:
        raise DatabaseUnreachable(
            "No database: set DATABASE_URL, or run `itc dev` (which starts the embedded PostgreSQL)"
        )
    return dsn


@dataclass
class RunningWorker:
    worker: Worker
    task: asyncio.Task[None]  # completes only if the worker stops or fails on its own


@asynccontextmanager
async def running_worker(settings: Settings) -> AsyncIterator[RunningWorker]:
    """Connect, register search attributes and run a worker until the block exits."""
    settings.protocol()  # an amendment file is read now, so reports that name its version can start the trial
    client = await connect(settings)
    pool = await open_engine_pool(resolve_database_url(settings))
    try:
        await ensure_search_attributes(client, settings.temporal_namespace)
        worker = build_worker(client, pool, settings)
        run_task = asyncio.create_task(worker.run(), name="temporal-worker")
        log.info("worker started", task_queue=settings.task_queue, address=settings.effective_temporal_address)
        try:
            yield RunningWorker(worker, run_task)
        finally:
            # shutdown() lets in-flight activity attempts finish before the pool goes away.
            if not run_task.done():
                await worker.shutdown()
            await asyncio.gather(run_task, return_exceptions=True)
            log.info("worker stopped")
    finally:
        await close_pool(pool)


def install_stop_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, stop.set)
        except (NotImplementedError, RuntimeError):
            pass  # not the main thread (tests) or not supported: the caller stops us instead


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or until `stop` is set, for callers that own the signals)."""
    if stop is None:
        stop = asyncio.Event()
        install_stop_signals(stop)
    async with running_worker(settings) as running:
        stop_wait = asyncio.create_task(stop.wait())
        await asyncio.wait({stop_wait, running.task}, return_when=asyncio.FIRST_COMPLETED)
        stop_wait.cancel()
        if running.task.done() and not stop.is_set():
            # A fatal worker error (e.g. the server went away for good) must not look like a clean exit.
            running.task.result()


def main() -> NoReturn:
    # Every way out, a stop by SIGTERM included, ends the process itself: the SDK's runtime
    # threads can outlive the interpreter's teardown and abort it (SIGABRT), replacing the
    # exit code, as they did for the CLI.
    end_process(exit_code_of(_run))


def _run() -> None:
    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    try:
        asyncio.run(run_worker(settings))
    except UserFacingError as error:
        log.error("worker cannot start", error=error.message)
        print(error.message, file=sys.stderr)
        raise SystemExit(error.exit_code) from None


if __name__ == "__main__":
    main()
