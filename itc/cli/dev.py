"""`itc dev`: the embedded stack, a worker and the dashboard and HTTP API in one process, until
Ctrl-C, with the sandbox accounts (`itc.people.sandbox`) that staff commands sign in with."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from itc.base.logging import configure_logging
from itc.base.settings import Settings
from itc.cli.api_client import DEFAULT_API_URL
from itc.cli.context import load_api_settings, load_protocol, load_settings
from itc.cli.errors import run_async
from itc.people.demo import DEMO_PASSWORD, DEMO_PEOPLE
from itc.people.sandbox import ensure_sandbox_accounts
from itc.runtime.database import describe_dsn
from itc.runtime.database_pool import database_pool
from itc.runtime.devstack import DevStack, dev_stack
from itc.runtime.worker import install_stop_signals, running_worker

if TYPE_CHECKING:
    from itc.api.settings import ApiSettings
    from itc.rules.config import ProtocolConfig

OnReady = Callable[[DevStack, asyncio.Event], Awaitable[None]]
Serve = Callable[[DevStack], AbstractAsyncContextManager[Any]]


def stack_lines(stack: DevStack) -> list[str]:
    settings = stack.settings
    lines = ["itc dev is running."]
    if stack.ui_url:
        lines.append(f"  Temporal UI:    {stack.ui_url}")
    return [
        *lines,
        (
            f"  Temporal gRPC:  {stack.temporal_address} (namespace {settings.temporal_namespace}, "
            f"task queue {settings.task_queue})"
        ),
        f"  PostgreSQL:     {describe_dsn(stack.database_url)}",
        f"  Data directory: {settings.itc_data_dir.resolve()}",
    ]


def banner(dashboard_url: str, password_file: Path) -> str:
    """What `itc dev` prints once it serves, after the stack's lines: the dashboard and API, the
    sandbox accounts, and the next steps (the staff commands go through the API, signed in)."""
    # Off its default port, the API's address must reach every later command of that terminal.
    api_url = [] if dashboard_url == DEFAULT_API_URL else [f"  export ITC_API_URL={dashboard_url}"]
    lines = [
        f"  Dashboard:      {dashboard_url}/ (HTTP API {dashboard_url}/api, the one staff commands use)",
        demo_people_text(password_file),
        # `itc demo` would start a second stack on the same ports, so it is not suggested here.
        "Next, in another terminal in this directory (itc is in .venv/bin):",
        *api_url,
        f"  itc login --person demo.operations --password-file {_relative(password_file)}",
        '  itc start --consent-file examples/consent.json --consent-date "$(date -u +%F)"',
        "  itc status ITC-001",
        "  examples/first-stages.sh ITC-002    (consent to manufacturing through the CLI)",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


def _relative(path: Path) -> str:
    """The password file as typed from the directory `itc dev` runs in, where it usually is."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def demo_people_text(password_file: Path | None = None) -> str:
    stored = f" (also in {password_file}, 0600)" if password_file else ""
    return "\n".join(
        [
            f"Sandbox accounts (published, never use them with real data); password {DEMO_PASSWORD!r}{stored}:",
            *(f"  {person.person_id:<16} {', '.join(person.roles):<14} token {person.token}" for person in DEMO_PEOPLE),
        ]
    )


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
        typer.echo("\n".join(stack_lines(stack)))
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


def serve_dashboard(api_settings: ApiSettings, protocol: ProtocolConfig, served: dict[str, str]) -> Serve:
    """The dashboard and HTTP API on the stack (its address put in `served["url"]`): the staff
    commands have no other way in."""

    @asynccontextmanager
    async def serve(stack: DevStack) -> AsyncIterator[None]:
        from itc.api.server import dashboard  # FastAPI and uvicorn load only when serving

        ui = api_settings.temporal_ui_url or stack.ui_url
        with_ui = api_settings.model_copy(update={"temporal_ui_url": ui})
        async with dashboard(stack.settings, with_ui, protocol) as url:
            served["url"] = url
            yield

    return serve


def dev(
    log_level: Annotated[str | None, typer.Option("--log-level", help="Default: LOG_LEVEL or INFO.")] = None,
) -> None:
    """Run Temporal's dev server, embedded PostgreSQL, a worker and the dashboard and HTTP API until
    Ctrl-C, with sandbox accounts to sign in with. Needs Temporal and the database directly: run it
    on the operator's machine."""
    settings = load_settings()
    protocol = load_protocol(settings)
    api_settings = load_api_settings()
    # A long-running process: its logs are the point, so they go to stdout at INFO.
    configure_logging(settings.log_format, log_level or settings.log_level)
    served: dict[str, str] = {}

    async def accounts(stack: DevStack, stop: asyncio.Event) -> None:
        async with database_pool(stack.settings) as pool:
            password_file = await ensure_sandbox_accounts(pool, stack.settings.itc_data_dir)
        typer.echo(banner(served["url"], password_file))

    run_async(run_dev(settings, on_ready=accounts, serve=serve_dashboard(api_settings, protocol, served)))
