"""Accounts and sign-in over the API: a person trades their password for a personal token
(what `itc login` does) and signs out by revoking it; administrators manage accounts.
Every change joins the access log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field

from itc.api.auth import Principal, _bearer, authenticated, require_administrator
from itc.api.context import ApiContext, get_context
from itc.api.errors import ERROR_RESPONSES, NotAuthenticated
from itc.models.inputs import ActorId
from itc.models.text import SingleLineText
from itc.people.access_log import AccessKind, Channel, log_access
from itc.people.models import AddPersonInput, Person, ResetPasswordInput, SetRolesInput, SetSitesInput

router = APIRouter(prefix="/api", tags=["people"], responses=ERROR_RESPONSES)

Context = Annotated[ApiContext, Depends(get_context)]
Me = Annotated[Principal, Depends(authenticated)]
Administrator = Annotated[Principal, Depends(require_administrator)]


class TokenRequest(BaseModel):
    person_id: ActorId
    password: str = Field(max_length=1024)
    totp_code: str | None = Field(default=None, max_length=12)
    label: SingleLineText = Field(default="itc command line", max_length=100)


class IssuedTokenAnswer(BaseModel):
    token: str = Field(description="Shown once; keep it like a password.")
    token_id: str
    expires_at: datetime
    person: Person


class TotpEnrolment(BaseModel):
    secret: str
    provisioning_uri: str


@router.post("/session/token", summary="Sign in for a personal token", status_code=201)
async def sign_in_for_token(body: TokenRequest, context: Context) -> IssuedTokenAnswer:
    people = context.people
    person = await people.accounts.authenticate(
        body.person_id, body.password, totp_code=body.totp_code, channel=Channel.API
    )
    await log_access(people.pool, AccessKind.SIGNED_IN, person_id=person.person_id, actor_id=person.person_id,
                     channel=Channel.API)  # fmt: skip
    token, issued = await people.tokens.issue(
        person.person_id, label=body.label, days=people.settings.token_days, actor_id=person.person_id,
        channel=Channel.API,
    )  # fmt: skip
    return IssuedTokenAnswer(token=token, token_id=issued.token_id, expires_at=issued.expires_at, person=person)


@router.delete("/session/token", summary="Sign out: revoke the token this request carries", status_code=204)
async def sign_out_token(
    context: Context, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    if credentials is None:
        raise NotAuthenticated("Missing bearer token: send the header `Authorization: Bearer <token>`.")
    person, token_id = await context.people.tokens.person_for(credentials.credentials)
    await context.people.tokens.revoke(token_id, actor_id=person.person_id, channel=Channel.API)
    await log_access(context.people.pool, AccessKind.SIGNED_OUT, person_id=person.person_id,
                     actor_id=person.person_id, channel=Channel.API)  # fmt: skip


@router.get("/me", summary="Who the token belongs to")
async def me(principal: Me) -> Person:
    return principal.person


@router.get("/people", summary="Every account (administrators)")
async def list_people(admin: Administrator, context: Context) -> list[Person]:
    return await context.people.accounts.all()


@router.post("/people", summary="Create an account (administrators)", status_code=201)
async def add_person(body: AddPersonInput, admin: Administrator, context: Context) -> Person:
    return await context.people.accounts.add(body, actor_id=admin.person_id, channel=Channel.API)


@router.post("/people/{person_id}/disable", summary="Disable an account and revoke its tokens (administrators)")
async def disable_person(person_id: ActorId, admin: Administrator, context: Context) -> Person:
    return await context.people.accounts.disable(person_id, actor_id=admin.person_id, channel=Channel.API)


@router.put("/people/{person_id}/roles", summary="Set an account's roles (administrators)")
async def set_roles(person_id: ActorId, body: SetRolesInput, admin: Administrator, context: Context) -> Person:
    return await context.people.accounts.set_roles(person_id, body.roles, actor_id=admin.person_id, channel=Channel.API)


@router.put("/people/{person_id}/sites", summary="Set an account's sites; none means every site (administrators)")
async def set_sites(person_id: ActorId, body: SetSitesInput, admin: Administrator, context: Context) -> Person:
    return await context.people.accounts.set_sites(person_id, body.sites, actor_id=admin.person_id, channel=Channel.API)


@router.post("/people/{person_id}/password", summary="Set a new password and lift a lockout (administrators)")
async def reset_password(
    person_id: ActorId, body: ResetPasswordInput, admin: Administrator, context: Context
) -> Person:
    return await context.people.accounts.reset_password(
        person_id, body.password, actor_id=admin.person_id, channel=Channel.API
    )


@router.post("/me/totp", summary="Enrol a TOTP second factor for yourself")
async def enrol_totp(principal: Me, context: Context) -> TotpEnrolment:
    import pyotp

    secret = await context.people.accounts.enroll_totp(
        principal.person_id, actor_id=principal.person_id, channel=Channel.API
    )
    uri = pyotp.TOTP(secret).provisioning_uri(name=principal.person_id, issuer_name="iTC journey engine")
    return TotpEnrolment(secret=secret, provisioning_uri=uri)
