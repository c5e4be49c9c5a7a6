"""The dashboard, API and codec server answer on connections that send without delay.

Served from a socket created with protocol 0, asyncio left Nagle's algorithm on for every
accepted connection, and on a kept-alive connection each response's body waited about 40 ms
for the ACK of its headers, which the client delays (Linux's delayed ACK): a staff action's POST
took 77 ms instead of 49 ms, and a `GET /api/me` 47 ms instead of 3 ms.
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import time

import httpx
from fastapi import FastAPI

from itc.base.http_serving import bind, serving

# Nagle's hold lasts until the client's delayed ACK, at least 40 ms on Linux; a small JSON
# answer on the loopback takes a few milliseconds even on a busy machine.
NAGLE_HOLD_MS = 40.0
KEPT_ALIVE_REQUESTS = 9


async def test_connections_accepted_on_the_bound_socket_have_nagle_off() -> None:
    sock = bind("127.0.0.1", 0, what="test server", port_setting="ITC_API_PORT")
    nodelay: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Recorder(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted = transport.get_extra_info("socket")
            nodelay.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await asyncio.get_running_loop().create_server(Recorder, sock=sock)
    try:
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        assert await asyncio.wait_for(nodelay, 10) != 0
        writer.close()
    finally:
        server.close()
        await server.wait_closed()


async def _kept_alive_gets(url: str, count: int) -> list[float]:
    """Milliseconds per GET, one after the other on a single kept-alive connection."""
    took = []
    async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=1)) as http:
        for _ in range(count):
            started = time.perf_counter()
            (await http.get("/ping")).raise_for_status()
            took.append((time.perf_counter() - started) * 1000)
    return took


async def test_a_kept_alive_connection_gets_each_answer_without_waiting_for_an_ack() -> None:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"answer": "pong"}

    async with serving(app, "127.0.0.1", 0, what="test server", port_setting="ITC_API_PORT") as url:
        took = await _kept_alive_gets(url, KEPT_ALIVE_REQUESTS + 1)
    # The first answer on a fresh connection is quick either way (Linux ACKs at once then).
    later = took[1:]
    assert statistics.median(later) < NAGLE_HOLD_MS / 2, f"answers on a kept-alive connection took {later} ms"
