"""`itc serve`: the supervisors' dashboard and HTTP API, against the configured Temporal
(TEMPORAL_ADDRESS, or a running `itc dev`) and PostgreSQL (DATABASE_URL, or the embedded one)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from itc.api.settings import ApiSettings
from itc.base.logging import configure_logging
from itc.base.settings import Settings
from itc.cli.context import load_api_settings, load_protocol, load_settings
from itc.cli.errors import run_async
from itc.rules.config import ProtocolConfig
from itc.runtime.worker import install_stop_signals


def serve(
    host: Annotated[str | None, typer.Option("--host", help="Default: ITC_API_HOST or 127.0.0.1.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Default: ITC_API_PORT or 8000.")] = None,
) -> None:
    """Serve the dashboard and HTTP API until Ctrl-C (people sign in with their own accounts: `itc users`).
    Needs Temporal and the database directly: run it on the operator's machine."""
    settings = load_settings()
    protocol = load_protocol(settings)
    api_settings = load_api_settings()
    configure_logging(settings.log_format, settings.log_level)
    run_async(_serve(settings, api_settings, protocol, host, port))


async def _serve(
    settings: Settings, api_settings: ApiSettings, protocol: ProtocolConfig, host: str | None, port: int | None
) -> None:
    from itc.api.server import (
        dashboard,  # FastAPI and uvicorn load only for the commands that serve
    )

    stop = asyncio.Event()
    install_stop_signals(stop)
    async with dashboard(settings, api_settings, protocol, host=host, port=port, access_log=True) as url:
        typer.echo(banner(url))
        typer.echo("Press Ctrl-C to stop.")
        await stop.wait()
    typer.echo("Stopped.")


def banner(url: str) -> str:
    return "\n".join(
        [
            f"Dashboard:  {url}/",
            f"HTTP API:   {url}/api/journeys (OpenAPI spec {url}/openapi.json, browsable at {url}/docs)",
        ]
    )
