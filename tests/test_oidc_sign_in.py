"""Sign-in through an OpenID Connect provider started by the test (`oidc-provider-mock`, a real
provider issuing RS256-signed ID tokens), against the app on the real dev stack: claims map to
roles and sites; an expired, tampered or replayed (wrong nonce) ID token is refused
(OpenID Connect Core 1.0, 3.1.3.7)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fixtures_api import api_settings
from fixtures_devstack import Stack
from oidc_provider_mock import User, run_server_in_thread

from itc.api.app import create_app
from itc.api.pages.session import SESSION_COOKIE
from itc.people.access_log import AccessKind, read_access_log
from itc.people.oidc import (
    OidcRefused,
    OidcSettings,
    authorization_url,
    discover,
    exchange_code,
    identity_from_claims,
    validate_id_token,
)
from itc.runtime.database import close_pool, open_pool
from itc.runtime.temporal_client import connect

CALLBACK = "http://testserver/login/oidc/callback"
PERSON = User(
    sub="b1e7c0de-0001",
    claims={
        "preferred_username": "dr.oidc",
        "name": "Leila Oidc",
        "itc_roles": ["operations"],
        "itc_sites": ["SITE-OIDC"],
    },
)
NO_ROLES = User(sub="b1e7c0de-0002", claims={"preferred_username": "visitor.oidc", "name": "A Visitor"})


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with run_server_in_thread(user_claims=[PERSON, NO_ROLES]) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def oidc(issuer: str) -> OidcSettings:
    return OidcSettings(
        issuer=issuer, client_id="itc-dashboard", client_secret="a-client-secret", redirect_url=CALLBACK
    )


@pytest.fixture(scope="module")
async def oidc_app(stack: Stack, oidc: OidcSettings) -> AsyncIterator[FastAPI]:
    client = await connect(stack.settings)
    pool = await open_pool(stack.database_url)
    try:
        yield create_app(stack.settings, client, pool, api_settings(stack), oidc=oidc)
    finally:
        await close_pool(pool)


async def provider_code(authorize_url: str, sub: str) -> tuple[str, str]:
    """What the person's browser does at the provider: choose the account, come back with a code."""
    async with httpx.AsyncClient() as browser:
        answer = await browser.post(authorize_url, data={"sub": sub})
    assert answer.status_code in (302, 303), answer.text
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    return back["code"][0], back["state"][0]


async def test_sign_in_maps_claims_to_roles_and_sites(oidc_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=oidc_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        assert 'id="oidc-login"' in (await http.get("/login")).text
        out = await http.get("/login/oidc", params={"next": "/"})
        assert out.status_code == 303, out.text
        code, state = await provider_code(out.headers["location"], PERSON.sub)
        back = await http.get("/login/oidc/callback", params={"code": code, "state": state})
        assert back.status_code == 303, back.text
        assert back.cookies.get(SESSION_COOKIE)
        board = await http.get("/")
        assert board.status_code == 200 and "Leila Oidc (dr.oidc)" in board.text

        people = oidc_app.state.context.people
        person = await people.accounts.require("dr.oidc")
        assert (person.roles, person.sites) == (["operations"], ["SITE-OIDC"])
        kinds = {entry.kind for entry in await read_access_log(people.pool, person_id="dr.oidc")}
        assert {AccessKind.ACCOUNT_CREATED, AccessKind.SIGNED_IN} <= kinds

        # Coming back with another state than the one sent is refused (a forged callback).
        out = await http.get("/login/oidc")
        code, _ = await provider_code(out.headers["location"], PERSON.sub)
        forged = await http.get("/login/oidc/callback", params={"code": code, "state": "not-the-state"})
        assert forged.status_code == 401 and "state" in forged.text


async def test_a_token_granting_no_role_is_refused(oidc_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=oidc_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        out = await http.get("/login/oidc")
        code, state = await provider_code(out.headers["location"], NO_ROLES.sub)
        back = await http.get("/login/oidc/callback", params={"code": code, "state": state})
        assert back.status_code == 401 and "grants no role" in back.text
        assert await oidc_app.state.context.people.accounts.get("visitor.oidc") is None


async def real_id_token(oidc: OidcSettings, nonce: str) -> str:
    provider = await discover(oidc)
    code, _ = await provider_code(authorization_url(provider, oidc, "a-state", nonce), PERSON.sub)
    return await exchange_code(provider, oidc, code)


async def test_expired_tampered_and_replayed_id_tokens_are_refused_oidc_core_3_1_3_7(oidc: OidcSettings) -> None:
    provider = await discover(oidc)
    token = await real_id_token(oidc, "nonce-1")
    claims = validate_id_token(token, provider, oidc, "nonce-1")
    assert identity_from_claims(claims, oidc).roles == ["operations"]

    with pytest.raises(OidcRefused, match="expired"):
        validate_id_token(token, provider, oidc, "nonce-1", now=claims["exp"] + oidc.leeway_seconds + 60)

    header, payload, signature = token.split(".")
    raised = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raised["itc_roles"] = ["administrator"]
    forged = base64.urlsafe_b64encode(json.dumps(raised).encode()).rstrip(b"=").decode()
    with pytest.raises(OidcRefused, match="signature does not verify"):
        validate_id_token(f"{header}.{forged}.{signature}", provider, oidc, "nonce-1")

    with pytest.raises(OidcRefused, match="nonce"):
        validate_id_token(token, provider, oidc, "another-sign-in")
    other_client = oidc.model_copy(update={"client_id": "another-client"})
    with pytest.raises(OidcRefused, match="aud"):
        validate_id_token(token, provider, other_client, "nonce-1")
