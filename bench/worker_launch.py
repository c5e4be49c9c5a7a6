"""Start and stop bench.worker_process, the worker every live benchmark runs against."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bench.stack import BenchStack
from bench.worker_process import READY

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 30.0


@asynccontextmanager
async def worker_process(stack: BenchStack, journey_queue: str, ceiling_queue: str) -> AsyncIterator[int]:
    """Yields the worker's pid once it polls both task queues."""
    log_path = stack.data_dir / "worker.log"
    command = [
        sys.executable, "-m", "bench.worker_process",
        "--temporal-address", stack.temporal_address,
        "--database-url", stack.database_url,
        "--journey-queue", journey_queue,
        "--ceiling-queue", ceiling_queue,
    ]  # fmt: skip
    with log_path.open("ab") as log:
        # The stack's data directory holds the payload keyring its dev server was started with.
        env = {**os.environ, "ITC_DATA_DIR": str(stack.data_dir)}
        process = await asyncio.create_subprocess_exec(
            *command, cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE, stderr=log
        )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT_SECONDS)
        if line.decode().strip() != READY:
            raise RuntimeError(f"the bench worker did not start; see {log_path}")
        yield process.pid
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT_SECONDS)
            except TimeoutError:
                process.kill()
                await process.wait()
