"""Production sign-in through an OpenID Connect provider (OpenID Connect Core 1.0, code flow).

The engine is a confidential client: it sends the browser to the provider with a fresh
`state` and `nonce`, exchanges the returned code at the token endpoint, and accepts the ID
token only if its signature verifies against the provider's published keys (JWKS) and its
issuer, audience, expiry and nonce are right (Core 3.1.3.7). Roles and sites come from
configured claims; a person whose token grants no known role is refused.

Signing through the provider asks it to authenticate the person again (`prompt=login` and
`max_age=0`, Core 3.1.2.1) and accepts the answer only if the ID token's `auth_time` is not
before the signing request began (Core 3.1.2.1: with `max_age` the claim is required), so a
provider session opened earlier cannot stand in for the re-authentication at signing.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from itc.base.errors import UserFacingError
from itc.people.roles import ACCOUNT_ROLES

# RSA and EC signatures only: "none" and the HMAC algorithms (keyed with the client secret)
# are never accepted for an ID token here.
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]


class OidcRefused(UserFacingError):
    """The provider's answer or ID token is not acceptable; the message never holds a token."""


class OidcSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ITC_OIDC_", case_sensitive=False, extra="ignore")

    issuer: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    # Where the provider sends the browser back: this server's /login/oidc/callback.
    redirect_url: str | None = None
    # The claims that carry the person ID, their roles and their sites.
    person_claim: str = "preferred_username"
    roles_claim: str = "itc_roles"
    sites_claim: str = "itc_sites"
    leeway_seconds: int = Field(default=30, ge=0, le=300)

    @property
    def enabled(self) -> bool:
        return bool(self.issuer and self.client_id and self.client_secret and self.redirect_url)


@dataclass(frozen=True)
class OidcIdentity:
    person_id: str
    full_name: str
    roles: list[str]
    sites: list[str]


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    keys: KeySet


async def discover(settings: OidcSettings) -> Provider:
    """The provider's endpoints and signing keys (OpenID Connect Discovery 1.0)."""
    assert settings.issuer is not None
    async with httpx.AsyncClient(timeout=10) as http:
        config = (await http.get(settings.issuer.rstrip("/") + "/.well-known/openid-configuration")).json()
        if config.get("issuer", "").rstrip("/") != settings.issuer.rstrip("/"):
            raise OidcRefused("The provider's discovery document names another issuer.")
        keys = KeySet.import_key_set((await http.get(config["jwks_uri"])).json())
    return Provider(config["issuer"], config["authorization_endpoint"], config["token_endpoint"], keys)


def new_state_and_nonce() -> tuple[str, str]:
    return secrets.token_urlsafe(24), secrets.token_urlsafe(24)


def authorization_url(
    provider: Provider, settings: OidcSettings, state: str, nonce: str, *, reauthenticate: bool = False
) -> str:
    params = {
        "response_type": "code",
        "client_id": settings.client_id,
        "redirect_uri": settings.redirect_url,
        "scope": "openid profile",
        "state": state,
        "nonce": nonce,
    }
    if reauthenticate:
        params["max_age"] = "0"
        params["prompt"] = "login"
    return f"{provider.authorization_endpoint}?{urlencode(params)}"


async def exchange_code(provider: Provider, settings: OidcSettings, code: str) -> str:
    """The ID token for an authorization code (client_secret_basic)."""
    assert settings.client_id is not None and settings.client_secret is not None
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            provider.token_endpoint,
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": settings.redirect_url},
            auth=(settings.client_id, settings.client_secret),
        )
    if response.status_code != 200 or "id_token" not in response.json():
        raise OidcRefused(f"The provider refused the sign-in code (HTTP {response.status_code}).")
    return str(response.json()["id_token"])


def validate_id_token(
    id_token: str, provider: Provider, settings: OidcSettings, nonce: str, *, now: float | None = None
) -> dict[str, Any]:
    """The ID token's claims, if it is signed by the provider and meant for this sign-in."""
    try:
        token = jwt.decode(id_token, provider.keys, algorithms=ID_TOKEN_ALGORITHMS)
    except (JoseError, ValueError):
        raise OidcRefused("The ID token's signature does not verify against the provider's keys.") from None
    registry = jwt.JWTClaimsRegistry(
        now=int(now if now is not None else time.time()),
        leeway=settings.leeway_seconds,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": settings.client_id or ""},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(token.claims)
    except JoseError as error:
        raise OidcRefused(f"The ID token is not acceptable: {error.description or error.error}.") from None
    return dict(token.claims)


def check_reauthenticated(claims: dict[str, Any], began_at: float) -> None:
    """Refuse an ID token whose authentication happened before the signing request began.

    `auth_time` is in whole seconds, so it is compared with the second the request began in."""
    auth_time = claims.get("auth_time")
    if not isinstance(auth_time, int | float) or isinstance(auth_time, bool):
        raise OidcRefused("The provider's answer does not say when you authenticated (auth_time): not signed.")
    if auth_time < int(began_at):
        raise OidcRefused(
            "The provider did not authenticate you again for this signature (its authentication is older "
            "than the signing request): not signed."
        )


def identity_from_claims(claims: dict[str, Any], settings: OidcSettings) -> OidcIdentity:
    person_id = claims.get(settings.person_claim) or claims.get("sub")
    roles = claims.get(settings.roles_claim) or []
    sites = claims.get(settings.sites_claim) or []
    if isinstance(roles, str):
        roles = roles.split()
    if isinstance(sites, str):
        sites = sites.split()
    known = [role for role in ACCOUNT_ROLES if role in roles]
    if not isinstance(person_id, str) or not known:
        raise OidcRefused(f"The provider's token grants no role here (claim {settings.roles_claim!r}).")
    full_name = claims.get("name") or person_id
    return OidcIdentity(person_id=person_id, full_name=str(full_name), roles=known, sites=[str(s) for s in sites])
