"""Sign-in through an OpenID Connect provider started by the test (`oidc-provider-mock`, a real
provider issuing RS256-signed ID tokens), against the app on the real dev stack: claims map to
roles and sites; an expired, tampered or replayed (wrong nonce) ID token is refused
(OpenID Connect Core 1.0, 3.1.3.7)."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fixtures_api import PASSWORD, api_settings, eligibility, screening_labs
from fixtures_devstack import WAIT_SECONDS, Stack, consent, fresh_participant
from oidc_provider_mock import User, run_server_in_thread
from oidc_provider_mock._storage import AuthorizationCode as ProviderAuthorizationCode

from itc.api.app import create_app
from itc.api.pages.session import SESSION_COOKIE
from itc.models.roles import SignatureMeaning
from itc.people.access_log import AccessKind, Channel, read_access_log
from itc.people.models import AddPersonInput
from itc.people.oidc import (
    OidcRefused,
    OidcSettings,
    authorization_url,
    discover,
    exchange_code,
    identity_from_claims,
    validate_id_token,
)
from itc.people.service import People
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


RECORDER = "ops.oidc-recorder"
RECORDER_TOKEN = "itc_7e570000000000a1_oidc-recorder-token-value"


async def eligibility_to_sign(http: httpx.AsyncClient, people: People) -> tuple[str, int]:
    """A participant of the OIDC person's site whose eligibility assessment another operations
    person recorded: the OIDC person's signature on it is the second one, "verified"."""
    if await people.accounts.get(RECORDER) is None:
        await people.accounts.add(
            AddPersonInput(person_id=RECORDER, full_name="Ops Recorder", roles=["operations"], password=PASSWORD),
            actor_id="bootstrap", channel=Channel.BOOTSTRAP,
        )  # fmt: skip
        await people.tokens.install_known(
            RECORDER_TOKEN, RECORDER, label="tests", days=1, actor_id="bootstrap", channel=Channel.BOOTSTRAP
        )
    auth = {"Authorization": f"Bearer {RECORDER_TOKEN}"}
    participant = fresh_participant("OSG")
    started = await http.post("/api/journeys", json=consent(participant, "SITE-OIDC", RECORDER), headers=auth)
    assert started.status_code == 201, started.text
    for action, body in (("lab-results", screening_labs()), ("eligibility", eligibility())):
        recorded = await http.post(
            f"/api/journeys/{participant}/{action}", json={**body, "actor_id": RECORDER}, headers=auth
        )
        assert recorded.status_code == 200, recorded.text
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        audit = (await http.get(f"/api/journeys/{participant}/audit", headers=auth)).json()
        signed = [e["sequence"] for e in audit if e["type"] == "EligibilityAssessmentRecorded"]
        if signed:
            return participant, signed[0]
        assert time.monotonic() < deadline, "the eligibility assessment was not stored"
        await asyncio.sleep(0.2)


async def sign_through_provider(http: httpx.AsyncClient, participant: str, sequence: int) -> httpx.Response:
    """The signing form under the record, the provider's fresh authentication, and its answer."""
    page = await http.get(f"/participants/{participant}/audit")
    assert f"Sign #{sequence} with your organisation's account" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    out = await http.post(
        f"/participants/{participant}/events/{sequence}/sign/oidc", data={"csrf_token": csrf.group(1)},
        headers={"Origin": "http://testserver"},
    )  # fmt: skip
    assert out.status_code == 303, out.text
    asked = parse_qs(urlsplit(out.headers["location"]).query)
    # OpenID Connect Core 3.1.2.1: authenticate again, whatever session the provider holds.
    assert asked["max_age"] == ["0"] and asked["prompt"] == ["login"]
    code, state = await provider_code(out.headers["location"], PERSON.sub)
    return await http.get("/login/oidc/callback", params={"code": code, "state": state})


async def test_signing_through_the_provider_needs_a_fresh_authentication_21_cfr_11_200(
    oidc_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signature through the provider asks it to authenticate the person again (max_age=0) and
    is refused, and logged, when the ID token's auth_time is from before the signing began."""
    people: People = oidc_app.state.context.people
    transport = httpx.ASGITransport(app=oidc_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        participant, sequence = await eligibility_to_sign(http, people)
        out = await http.get("/login/oidc", params={"next": "/"})
        code, state = await provider_code(out.headers["location"], PERSON.sub)
        assert (await http.get("/login/oidc/callback", params={"code": code, "state": state})).status_code == 303

        # A provider that answers from an authentication an hour old, as one ignoring max_age would.
        an_hour_ago = int(time.time()) - 3600
        monkeypatch.setattr(ProviderAuthorizationCode, "get_auth_time", lambda self: an_hour_ago)
        stale = await sign_through_provider(http, participant, sequence)
        assert stale.status_code == 403 and "did not authenticate you again" in stale.text
        [failed] = await read_access_log(people.pool, person_id="dr.oidc", kind=AccessKind.SIGNATURE_FAILED)
        assert failed.detail["sequence"] == sequence and failed.detail["participant_id"] == participant
        assert failed.channel == Channel.OIDC and "did not authenticate you again" in failed.detail["why"]
        assert not (await people.signatures.for_participant(participant))

        monkeypatch.undo()
        fresh = await sign_through_provider(http, participant, sequence)
        assert fresh.status_code == 303, fresh.text
        assert fresh.headers["location"] == f"/participants/{participant}/audit#event-{sequence}"
        [signature] = await people.signatures.for_participant(participant)
        assert (signature.person_id, signature.printed_name, signature.meaning) == (
            "dr.oidc",
            "Leila Oidc",
            SignatureMeaning.VERIFIED,
        )
        checks = (
            await http.get(
                f"/api/journeys/{participant}/signatures", headers={"Authorization": f"Bearer {RECORDER_TOKEN}"}
            )
        ).json()
        assert [c["valid"] for c in checks[str(sequence)]] == [True]
        signed = await read_access_log(people.pool, person_id="dr.oidc", kind=AccessKind.SIGNED)
        assert signed and signed[0].channel == Channel.OIDC
