"""The HTTP API and dashboard against forged, oversized and flooding requests, on the real
app served by uvicorn over the module's dev stack: the body limit (413 before parsing or
authentication), CSRF (token and Origin/Referer), security headers on every kind of page,
and per-token write rate limits (429 with Retry-After)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fixtures_api import PASSWORD, PEOPLE, TOKENS, Api, api_settings, consent, ensure_people, screening_labs
from fixtures_devstack import Stack, fresh_participant

from itc.api.app import create_app
from itc.api.security_headers import inline_script_hashes
from itc.api.server import serving
from itc.models.roles import Role
from itc.runtime.database import close_pool, open_pool
from itc.runtime.temporal_client import connect

MAX_BODY = 64 * 1024
FAST_SECONDS = 0.5  # far below the ~3 s stall an unbounded body caused
RATE_PER_MINUTE = 30  # one write every 2 s once the burst is spent
BURST = 3

boom = APIRouter()


@boom.get("/api/boom")
@boom.get("/boom")
async def fail() -> None:
    raise RuntimeError("an unexpected failure")


@pytest.fixture(scope="module")
async def apps(stack: Stack) -> AsyncIterator[dict[str, FastAPI]]:
    client = await connect(stack.settings)
    pool = await open_pool(stack.database_url)
    await ensure_people(pool)
    settings = api_settings(stack)
    guarded = settings.model_copy(update={"itc_api_max_body_bytes": MAX_BODY})
    strict = settings.model_copy(
        update={"itc_api_write_rate_per_minute": RATE_PER_MINUTE, "itc_api_write_burst": BURST}
    )
    try:
        yield {
            "guarded": create_app(stack.settings, client, pool, guarded, extra_routers=[boom]),
            "strict": create_app(stack.settings, client, pool, strict),
        }
    finally:
        await close_pool(pool)


@pytest.fixture(scope="module")
async def served(apps: dict[str, FastAPI]) -> AsyncIterator[str]:
    async with serving(apps["guarded"], "127.0.0.1", 0) as url:
        yield url


@pytest.fixture(scope="module")
async def served_strict(apps: dict[str, FastAPI]) -> AsyncIterator[str]:
    async with serving(apps["strict"], "127.0.0.1", 0) as url:
        yield url


@pytest.fixture
async def http(served: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served, timeout=10) as client:
        yield client


def auth(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


# --- request body limit ------------------------------------------------------------------


async def _raw_request(base_url: str, head: str, body_chunks: AsyncIterator[bytes] | None = None) -> tuple[int, int]:
    """Sends a request by hand (the size is declared or streamed as we choose) and returns
    the answer's status and how many body bytes were sent before it came."""
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    sent = 0

    async def send_body() -> None:
        nonlocal sent
        if body_chunks is None:
            return
        try:
            async for chunk in body_chunks:
                writer.write(chunk)
                await writer.drain()
                sent += len(chunk)
        except ConnectionError:
            pass  # the server answered and closed the connection: what we want

    writer.write(head.encode())
    await writer.drain()
    sending = asyncio.create_task(send_body())
    try:
        status_line = await asyncio.wait_for(reader.readline(), timeout=10)
    finally:
        sending.cancel()
        await asyncio.gather(sending, return_exceptions=True)
        writer.close()
    return int(status_line.split()[1]), sent


async def test_a_declared_oversized_unauthenticated_body_is_a_fast_413(served: str, http: httpx.AsyncClient) -> None:
    head = (
        "POST /api/journeys HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {100 * 1024 * 1024}\r\n\r\n"
    )
    started = time.monotonic()
    status, _ = await _raw_request(served, head)
    assert status == 413
    assert time.monotonic() - started < FAST_SECONDS

    # The server keeps answering, and a body under the limit works as before.
    assert (await http.get("/login")).status_code == 200
    started_journey = await http.post(
        "/api/journeys", json=consent(fresh_participant("BIG")), headers=auth(Role.OPERATIONS)
    )
    assert started_journey.status_code == 201, started_journey.text


async def test_a_streamed_oversized_body_is_refused_as_soon_as_it_passes_the_limit(
    served: str, http: httpx.AsyncClient
) -> None:
    total = 100 * 1024 * 1024

    async def chunks() -> AsyncIterator[bytes]:
        chunk = b"x" * 16384
        for _ in range(total // len(chunk)):
            yield f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"

    head = (
        "POST /api/journeys HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    started = time.monotonic()
    status, sent = await _raw_request(served, head, chunks())
    assert status == 413
    assert time.monotonic() - started < FAST_SECONDS
    assert sent < total // 10  # refused long before the whole body was sent

    # A streamed body under the limit is read and handled as before.
    async def small_body() -> AsyncIterator[bytes]:
        yield json.dumps(consent(fresh_participant("STREAM"))).encode()

    accepted = await http.post(
        "/api/journeys",
        content=small_body(),
        headers={**auth(Role.OPERATIONS), "Content-Type": "application/json"},
    )
    assert accepted.status_code == 201, accepted.text


async def _stream(size: int) -> AsyncIterator[bytes]:
    for _ in range(size // 4096):
        yield b"x" * 4096


# --- security headers ----------------------------------------------------------------------


def _assert_secure(response: httpx.Response) -> str:
    where = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    assert response.headers.get("x-frame-options") == "DENY", where
    assert response.headers.get("x-content-type-options") == "nosniff", where
    assert response.headers.get("referrer-policy") == "same-origin", where
    policy = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy, where
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src is None or "'unsafe-inline'" not in script_src.group(1), where
    return policy


async def test_every_kind_of_page_has_the_security_headers(served: str, apps: dict[str, FastAPI]) -> None:
    # In process for the 413: a real client will not declare more than it sends.
    in_process = httpx.ASGITransport(app=apps["guarded"])
    async with httpx.AsyncClient(transport=in_process, base_url="http://testserver") as direct:
        too_large = await direct.post("/api/journeys", content=b"{", headers={"Content-Length": str(10 * MAX_BODY)})
        streamed_too_large = await direct.post("/api/journeys", content=_stream(2 * MAX_BODY))
        streamed_form_too_large = await direct.post(
            "/login", content=_stream(2 * MAX_BODY), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
    # Refused while the body was read, the answer is the API's problem or the dashboard's error page.
    assert streamed_too_large.status_code == 413
    assert streamed_too_large.json() == {"detail": too_large.json()["detail"], "problems": []}
    assert streamed_form_too_large.status_code == 413
    assert "text/html" in streamed_form_too_large.headers["content-type"]
    async with httpx.AsyncClient(base_url=served, timeout=10) as http:
        pages = [
            await http.get("/login"),
            await http.get("/"),  # a redirect to the sign-in page
            await http.get("/docs"),
            await http.get("/redoc"),
            await http.get("/openapi.json"),
            await http.get("/static/style.css"),
            await http.get("/no-such-page"),
            await http.get("/api/journeys"),  # 401
            await http.get(f"/api/journeys/{fresh_participant('NONE')}", headers=auth(Role.SUPERVISOR)),  # 404
            await http.get("/boom"),  # 500 page
            await http.get("/api/boom"),  # 500 JSON
            too_large,
            streamed_too_large,
            streamed_form_too_large,
        ]
    assert [page.status_code for page in pages] == [
        200,
        303,
        200,
        200,
        200,
        200,
        404,
        401,
        404,
        500,
        500,
        413,
        413,
        413,
    ]
    for page in pages:
        _assert_secure(page)
    assert "default-src 'self'" in _assert_secure(pages[0])
    assert "default-src 'none'" in _assert_secure(pages[4])


async def test_the_docs_page_allows_exactly_its_own_inline_script(http: httpx.AsyncClient) -> None:
    docs = await http.get("/docs")
    policy = _assert_secure(docs)
    hashes = inline_script_hashes(docs.text)
    assert hashes, "Swagger UI's page has its inline start-up script"
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src is not None
    assert sorted(source.strip("'") for source in script_src.group(1).split() if "sha256" in source) == sorted(hashes)


# --- CSRF ----------------------------------------------------------------------------------


async def _signed_in(served: str, role: Role) -> httpx.AsyncClient:
    http = httpx.AsyncClient(base_url=served, timeout=10)
    response = await http.post("/login", data={"person_id": PEOPLE[role], "password": PASSWORD, "next": "/"})
    assert response.status_code == 303, response.text
    return http


async def _form_token(http: httpx.AsyncClient, participant: str) -> str:
    page = await http.get(f"/participants/{participant}")
    assert page.status_code == 200, page.text
    match = re.search(r'id="form-lab-results".*?name="csrf_token" value="([^"]+)"', page.text, re.DOTALL)
    assert match, "the lab results form carries a CSRF token"
    return match.group(1)


async def _recorded(http: httpx.AsyncClient, participant: str) -> list[Any]:
    """What staff recorded on the journey's timeline, read from the journey itself (the store
    lags a little); the journey's own entries (labs ordered on start) come when they come."""
    timeline = await http.get(f"/api/journeys/{participant}/timeline", headers=auth(Role.SUPERVISOR))
    assert timeline.status_code == 200, timeline.text
    return [entry for entry in timeline.json() if entry["actor"] != "system"]


def _lab_form(collected_at: str) -> dict[str, str]:
    return {"collected_at": collected_at, "lab.creatinine": "0.9", "reason": "forged?"}


async def test_a_cross_origin_or_tokenless_form_records_nothing(served: str, http: httpx.AsyncClient, api: Api) -> None:
    participant = fresh_participant("CSRF")
    await api.start(participant)
    collected_at = screening_labs()["results"][0]["collected_at"].removesuffix("Z")[:16]
    path = f"/participants/{participant}/record/lab-results"
    browser = await _signed_in(served, Role.LAB)
    try:
        token = await _form_token(browser, participant)
        before = await _recorded(http, participant)
        other_port = f"http://127.0.0.1:{int(served.rsplit(':', 1)[1]) + 1}"
        forged = [
            # A page on another port of this host: the cookies go along, the token cannot.
            await browser.post(path, data=_lab_form(collected_at), headers={"Origin": other_port}),
            # Even with the token, another origin is refused.
            await browser.post(
                path, data={**_lab_form(collected_at), "csrf_token": token}, headers={"Origin": other_port}
            ),
            await browser.post(
                path, data={**_lab_form(collected_at), "csrf_token": token}, headers={"Referer": f"{other_port}/x"}
            ),
            await browser.post(path, data={**_lab_form(collected_at), "csrf_token": token}, headers={"Origin": "null"}),
            # Same origin but no token, or another session's token.
            await browser.post(path, data=_lab_form(collected_at), headers={"Origin": served}),
            await browser.post(
                path, data={**_lab_form(collected_at), "csrf_token": "0" * 64}, headers={"Origin": served}
            ),
        ]
        assert [response.status_code for response in forged] == [403] * len(forged), [r.text for r in forged]
        assert await _recorded(http, participant) == before

        # The same form from the dashboard's own page is recorded.
        sent = await browser.post(
            path, data={**_lab_form(collected_at), "csrf_token": token}, headers={"Origin": served}
        )
        assert sent.status_code == 303, sent.text
        assert len(await _recorded(http, participant)) > len(before)
    finally:
        await browser.aclose()


async def test_the_csrf_token_is_bound_to_the_session(served: str, api: Api) -> None:
    participant = fresh_participant("CSRF")
    await api.start(participant)
    first = await _signed_in(served, Role.LAB)
    second = await _signed_in(served, Role.LAB)
    try:
        token = await _form_token(first, participant)
        assert token != await _form_token(second, participant)  # each sign-in has its own
        response = await second.post(
            f"/participants/{participant}/record/lab-results",
            data={"csrf_token": token, "lab.creatinine": "0.9"},
            headers={"Origin": served},
        )
        assert response.status_code == 403
        assert "reload the page" in response.text
    finally:
        await first.aclose()
        await second.aclose()


# --- rate limits ---------------------------------------------------------------------------


async def test_a_burst_of_writes_over_the_limit_gets_429_and_recovers(served_strict: str, api: Api) -> None:
    participant = fresh_participant("FLOOD")
    await api.start(participant)
    death = {"actor_id": "lab.flood", "died_at": "2026-01-06T09:00:00Z", "attribution": "unrelated"}
    async with httpx.AsyncClient(base_url=served_strict, timeout=10) as http:

        async def refused_write() -> httpx.Response:
            # The lab role may not record a death: each of these is refused, and still counts.
            return await http.post(f"/api/journeys/{participant}/death", json=death, headers=auth(Role.LAB))

        assert [(await refused_write()).status_code for _ in range(BURST)] == [403] * BURST
        limited = await refused_write()
        assert limited.status_code == 429, limited.text
        retry_after = int(limited.headers["Retry-After"])
        assert 1 <= retry_after <= 60 / RATE_PER_MINUTE + 1
        _assert_secure(limited)

        # Another token is unaffected.
        other = await http.post(
            f"/api/journeys/{participant}/lab-results", json=screening_labs(), headers=auth(Role.OPERATIONS)
        )
        assert other.status_code == 200, other.text

        await asyncio.sleep(retry_after)
        assert (await refused_write()).status_code == 403  # heard again, and refused by role as before


async def test_a_dashboard_session_is_limited_like_its_token(served_strict: str, api: Api) -> None:
    participant = fresh_participant("FLOOD")
    await api.start(participant)
    browser = await _signed_in(served_strict, Role.SUPERVISOR)
    try:
        path = f"/participants/{participant}/record/decision"
        # Without the form's token each is refused, and each still counts against the session's token.
        answers = [await browser.post(path, data={"decision": "continue"}) for _ in range(BURST + 1)]
        assert [answer.status_code for answer in answers] == [403] * BURST + [429]
        assert int(answers[-1].headers["Retry-After"]) >= 1
        # The API with the same token draws on the same bucket.
        over = await browser.post("/api/trial/resume", json={"reason": "flood"}, headers=auth(Role.SUPERVISOR))
        assert over.status_code == 429
    finally:
        await browser.aclose()


async def test_invented_tokens_share_their_clients_bucket(served_strict: str) -> None:
    async with httpx.AsyncClient(base_url=served_strict, timeout=10) as http:
        answers = []
        for attempt in range(BURST + 1):
            answers.append(
                await http.post("/api/journeys", json={}, headers={"Authorization": f"Bearer invented-{attempt}"})
            )
            if answers[-1].status_code == 429:
                break
    # Earlier tests' sign-ins from this address may have used some of the bucket already.
    assert answers[-1].status_code == 429, [answer.status_code for answer in answers]
    assert {answer.status_code for answer in answers[:-1]} <= {401}
