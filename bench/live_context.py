"""What the live benchmarks share: one dev server, one PostgreSQL, one worker process."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client

from bench.cpu import CpuMeter, descendants, pids_with_argument
from bench.stack import BenchStack, bench_stack
from bench.worker_launch import worker_process
from itc.runtime.temporal_client import connect


@dataclass
class LiveContext:
    stack: BenchStack
    client: Client
    journey_queue: str
    ceiling_queue: str
    worker_pid: int

    def cpu_meter(self, **more: Callable[[], list[int]]) -> CpuMeter:
        """The stack's processes, and `more` groups a benchmark starts itself (an API process)."""
        postmaster_pid = int((self.stack.data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
        temporal_db = str(self.stack.data_dir / "temporal.db")
        return CpuMeter(
            {
                "driver": lambda: [os.getpid()],
                "worker": lambda: [self.worker_pid],
                "temporal_server": lambda: pids_with_argument(temporal_db),
                "postgres": lambda: descendants(postmaster_pid),
                **more,
            }
        )


@asynccontextmanager
async def live_context(data_dir: Path) -> AsyncIterator[LiveContext]:
    async with bench_stack(data_dir) as stack:
        suffix = uuid.uuid4().hex[:8]
        journey_queue, ceiling_queue = f"bench-journeys-{suffix}", f"bench-ceiling-{suffix}"
        async with worker_process(stack, journey_queue, ceiling_queue) as pid:
            client = await connect(stack.settings)
            yield LiveContext(stack, client, journey_queue, ceiling_queue, pid)
