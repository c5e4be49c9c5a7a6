"""`itc codec-server`: decrypted payloads for the Temporal UI and `temporal workflow show`,
to holders of the server's token."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from itc.base.errors import validation_lines
from itc.base.logging import configure_logging
from itc.cli.context import load_settings
from itc.cli.errors import EXIT_INVALID, fail, fail_with, run_async
from itc.crypto.codec import EncryptionCodec
from itc.crypto.keyring import KeyringError, resolve_keyring
from itc.runtime.worker import install_stop_signals

if TYPE_CHECKING:
    from fastapi import FastAPI


def codec_server(
    host: Annotated[str | None, typer.Option("--host", help="Default: ITC_CODEC_SERVER_HOST or 127.0.0.1.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Default: ITC_CODEC_SERVER_PORT or 8081.")] = None,
) -> None:
    """Serve Temporal's remote codec endpoints (/encode, /decode) until Ctrl-C; needs ITC_CODEC_SERVER_TOKEN."""
    # uvicorn loads only for the commands that serve.
    from itc.crypto.server import (
        CodecServerError,
        CodecServerSettings,
        create_codec_app,
    )

    settings = load_settings()
    try:
        server_settings = CodecServerSettings()
    except ValidationError as error:
        fail("Invalid codec server settings in the environment", validation_lines(error), EXIT_INVALID)
    try:
        # Refuse before binding anything: no token, no origins or no key is a setup mistake. A
        # key made here could decrypt nothing, so unlike `itc dev` this never creates one.
        token = server_settings.token()
        origins = server_settings.origins(settings)
        keyring = resolve_keyring(settings)
    except (CodecServerError, KeyringError) as error:
        fail_with(error)
    configure_logging(settings.log_format, settings.log_level)
    app = create_codec_app(EncryptionCodec(keyring, accept_plaintext=True), token, origins)
    bind_host = host or server_settings.itc_codec_server_host
    bind_port = server_settings.itc_codec_server_port if port is None else port
    run_async(_serve(app, bind_host, bind_port, keyring.active_id, origins))


async def _serve(app: FastAPI, host: str, port: int, active_id: str, origins: list[str]) -> None:
    from itc.crypto.server import serving

    stop = asyncio.Event()
    install_stop_signals(stop)
    async with serving(app, host, port) as url:
        typer.echo(banner(url, active_id, origins))
        await stop.wait()
    typer.echo("Stopped.")


def banner(url: str, active_id: str, origins: list[str]) -> str:
    return "\n".join(
        [
            f"Codec server: {url} (active key {active_id}; browser origins {', '.join(origins)})",
            f'  temporal workflow show -w journey-<id> --codec-endpoint {url} --codec-auth "Bearer $ITC_CODEC_SERVER_TOKEN"',
            f"  Temporal UI: sign in at {url}/sign-in, then set the UI's codec endpoint to {url}",
            "  with cross-origin credentials included.",
            "Press Ctrl-C to stop.",
        ]
    )
