"""`itc dev`: the embedded stack and a worker in one process, until Ctrl-C."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from typing import Annotated, Any

import typer

from itc.base.logging import configure_logging
from itc.base.settings import Settings
from itc.cli.context import load_settings
from itc.cli.errors import run_async
from itc.runtime.database import describe_dsn
from itc.runtime.devstack import DevStack, dev_stack
from itc.runtime.worker import install_stop_signals, running_worker

OnReady = Callable[[DevStack, asyncio.Event], Awaitable[None]]
Serve = Callable[[DevStack], AbstractAsyncContextManager[Any]]


def banner(stack: DevStack) -> str:
    settings = stack.settings
    lines = ["itc dev is running."]
    if stack.ui_url:
        lines.append(f"  Temporal UI:    {stack.ui_url}")
    lines += [
        (
            f"  Temporal gRPC:  {stack.temporal_address} (namespace {settings.temporal_namespace}, "
            f"task queue {settings.task_queue})"
        ),
        f"  PostgreSQL:     {describe_dsn(stack.database_url)}",
        f"  Data directory: {settings.itc_data_dir.resolve()}",
        # `itc demo` would start a second stack on the same ports, so it is not suggested here.
        "Next, in another terminal in this directory (itc is in .venv/bin):",
        '  itc start --consent-file examples/consent.json --consent-date "$(date -u +%F)"',
        "  itc status ITC-001",
        "  examples/first-stages.sh ITC-002    (consent to manufacturing through the CLI)",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


async def run_dev(
    settings: Settings,
    on_ready: OnReady | None = None,
    stop: asyncio.Event | None = None,
    serve: Serve | None = None,
) -> None:
    """Start the stack and a worker (and `serve`, e.g. the dashboard), call `on_ready`,
    then wait for `stop` (Ctrl-C/SIGTERM)."""
    if stop is None:
        stop = asyncio.Event()
        install_stop_signals(stop)
    async with (
        dev_stack(settings) as stack,
        running_worker(stack.settings) as running,
        AsyncExitStack() as services,
    ):
        typer.echo(banner(stack))
        if serve is not None:
            # Entered after the worker and left before it: nothing served outlives the stack.
            await services.enter_async_context(serve(stack))
        if on_ready is not None:
            await on_ready(stack, stop)
        stop_wait = asyncio.create_task(stop.wait())
        await asyncio.wait({stop_wait, running.task}, return_when=asyncio.FIRST_COMPLETED)
        stop_wait.cancel()
        typer.echo("Stopping: worker first, then Temporal and PostgreSQL...")
        if running.task.done() and not stop.is_set():
            running.task.result()  # the worker died on its own: say why, after cleanup
    typer.echo("Stopped.")


def dev(
    log_level: Annotated[str | None, typer.Option("--log-level", help="Default: LOG_LEVEL or INFO.")] = None,
) -> None:
    """Run Temporal's dev server, embedded PostgreSQL and a worker until Ctrl-C."""
    settings = load_settings()
    # A long-running process: its logs are the point, so they go to stdout at INFO.
    configure_logging(settings.log_format, log_level or settings.log_level)
    run_async(run_dev(settings))
