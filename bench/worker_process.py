"""The benchmarks' worker, in its own process as in production: the real journey worker
(worker.build_worker: PostgreSQL-backed activities, interceptors, logging) and, on a second
task queue, the ceiling workflows on a worker built from the very same configuration.

    python -m bench.worker_process --temporal-address HOST:PORT --database-url DSN \
        --journey-queue Q1 --ceiling-queue Q2

Prints "ready" on stdout once both workers poll; stops cleanly on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

from temporalio.worker import Worker

from bench.ceiling import CeilingWithUpdatesWorkflow, CeilingWorkflow, noop
from itc.base.logging import configure_logging
from itc.base.settings import Settings
from itc.runtime.database import close_pool, open_pool
from itc.runtime.temporal_client import connect
from itc.runtime.worker import build_worker

READY = "ready"


def ceiling_worker(journey_worker: Worker, task_queue: str) -> Worker:
    # Same slots, executors, interceptors and shutdown as the journey worker: only the
    # task queue and the registered code differ.
    config = journey_worker.config()
    config["task_queue"] = task_queue
    config["workflows"] = [CeilingWorkflow, CeilingWithUpdatesWorkflow]
    config["activities"] = [noop]
    return Worker(**config)


async def serve(args: argparse.Namespace) -> None:
    settings = Settings(
        temporal_address=args.temporal_address,
        database_url=args.database_url,
        task_queue=args.journey_queue,
    )
    client = await connect(settings)
    pool = await open_pool(args.database_url)
    journey = build_worker(client, pool, settings)
    ceiling = ceiling_worker(journey, args.ceiling_queue)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    runs = [asyncio.create_task(journey.run()), asyncio.create_task(ceiling.run())]
    print(READY, flush=True)
    # Nobody reads stdout after "ready": anything else written there (the SDK core writes
    # its warnings to fd 1) must not fill the pipe and block the worker.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait([stopped, *runs], return_when=asyncio.FIRST_COMPLETED)
    for worker in (journey, ceiling):
        await worker.shutdown()
    await asyncio.gather(*runs, return_exceptions=True)
    await close_pool(pool)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--temporal-address", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--journey-queue", required=True)
    parser.add_argument("--ceiling-queue", required=True)
    args = parser.parse_args()
    # As `python worker.py` logs in production (JSON, INFO); stderr, since stdout carries "ready".
    configure_logging("json", "INFO", stream="stderr")
    asyncio.run(serve(args))
    sys.exit(0)


if __name__ == "__main__":
    main()
