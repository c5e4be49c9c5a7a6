"""Serving an ASGI app inside a process that already owns the event loop and its signals
(`itc serve`, `itc demo`, `itc codec-server`, the browser tests)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn
from fastapi import FastAPI

from itc.base.errors import UserFacingError

STARTUP_TIMEOUT_SECONDS = 10.0


class _EmbeddedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The caller stops us (Ctrl-C is already handled by `itc`); uvicorn must not take
        # over SIGINT/SIGTERM and re-raise them after we stop.
        yield


class PortInUse(UserFacingError):
    exit_code = 3


def bind(host: str, port: int, *, what: str, port_setting: str) -> socket.socket:
    """Bound here rather than by uvicorn, which exits the whole process when it cannot bind.

    The protocol is named, not left at 0: asyncio turns Nagle's algorithm off (TCP_NODELAY)
    only on connections whose socket says IPPROTO_TCP, and accepted sockets inherit it from
    this one. Without it, a kept-alive connection got each response's body about 40 ms after
    its headers: the body waited for an ACK the client was delaying.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise PortInUse(
            f"Cannot serve the {what} on {host}:{port}: {error.strerror or error}. "
            f"Set {port_setting} (or --port) to a free port."
        ) from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


@contextlib.asynccontextmanager
async def serving(
    app: FastAPI, host: str, port: int, *, what: str, port_setting: str, access_log: bool = False
) -> AsyncIterator[str]:
    """Serve `app` until the block exits; yields its base URL."""
    sock = bind(host, port, what=what, port_setting=port_setting)
    actual_port = sock.getsockname()[1]
    # log_config=None: uvicorn's loggers go through the process's own (structlog) handlers.
    config = uvicorn.Config(app, lifespan="off", log_config=None, access_log=access_log, proxy_headers=False)
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name=what)
    try:
        async with asyncio.timeout(STARTUP_TIMEOUT_SECONDS):
            while not server.started:
                if task.done():
                    task.result()
                    raise UserFacingError(f"The {what} stopped during start-up")
                await asyncio.sleep(0.05)
        shown_host = f"[{host}]" if ":" in host else host
        yield f"http://{shown_host}:{actual_port}"
    finally:
        server.should_exit = True
        await asyncio.gather(task, return_exceptions=True)
        sock.close()
