"""The API as staff reach it: `itc serve` in its own process, against the bench's stack.

Served from inside the benchmark's own process, the API would share one event loop (and one
interpreter lock) with the journeys the benchmark drives as background load, and a POST would
queue behind that driver's work: a cost of the harness, not of the API. `itc serve` runs
alone in production, so the round trip is measured against it alone too.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.stack import BenchStack
from itc.runtime.devstack import free_port

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 30.0
HOST = "127.0.0.1"


@dataclass(frozen=True)
class ServedApi:
    url: str
    pid: int


def serve_command() -> list[str]:
    """The installed `itc` console script beside this interpreter, else the same entry point."""
    script = Path(sys.executable).parent / "itc"
    if script.exists():
        return [str(script), "serve"]
    return [sys.executable, "-c", "from itc.cli.entry import main; main()", "serve"]


async def _until_answering(url: str, process: asyncio.subprocess.Process, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    async with httpx.AsyncClient(base_url=url, timeout=2) as http:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise RuntimeError(f"itc serve exited with {process.returncode}; see {log_path}")
            try:
                if (await http.get("/openapi.json")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"itc serve did not answer within {START_TIMEOUT_SECONDS:.0f} s; see {log_path}")


@asynccontextmanager
async def api_process(stack: BenchStack, *, write_rate_per_minute: float, write_burst: int) -> AsyncIterator[ServedApi]:
    port = free_port(HOST)
    url = f"http://{HOST}:{port}"
    log_path = stack.data_dir / "api.log"
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": stack.temporal_address,
        "DATABASE_URL": stack.database_url,
        # The stack's data directory holds the payload and identity keys its worker uses.
        "ITC_DATA_DIR": str(stack.data_dir),
        "ITC_API_HOST": HOST,
        "ITC_API_PORT": str(port),
        "ITC_API_WRITE_RATE_PER_MINUTE": str(write_rate_per_minute),
        "ITC_API_WRITE_BURST": str(write_burst),
        "LOG_LEVEL": "WARNING",
    }
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            *serve_command(), cwd=REPO, env=env, stdout=log, stderr=log, start_new_session=True
        )
    try:
        await _until_answering(url, process, log_path)
        yield ServedApi(url, process.pid)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT_SECONDS)
            except TimeoutError:
                process.kill()
                await process.wait()
