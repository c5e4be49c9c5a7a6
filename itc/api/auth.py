"""Who is asking, and the permission check every request goes through once.

A request is authenticated as one person: by a personal API token (`Authorization: Bearer
itc_...`, from `itc login` or an administrator) or by a dashboard session. The person's
roles and sites come from their account, never from the request's body.

The check issues a `Permit`, and the operations behind the API and the dashboard take a
Permit rather than a bare principal: a request is checked where its permit is issued (the
route's dependency, or the dashboard page) and nowhere else. The permit names the role the
person acts in: the first of their roles the action is open to.

Tokens are compared in constant time, and neither they nor their holders' secrets are logged.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from itc.actions import STAFF_ACTION_OF, Action, Role, allowed, role_refusal
from itc.api.context import ApiContext, get_context
from itc.api.errors import Forbidden, NotAuthenticated
from itc.api.rate_limit import credential_digest
from itc.models.identity import ActorIdentity, ElectronicSignature
from itc.models.inputs import PARTICIPANT_ID_PATTERN, RecordRefusedActionInput
from itc.people.models import Person
from itc.people.roles import ADMINISTRATOR, journey_roles
from itc.people.tokens import TokenRefused
from itc.runtime.journeys import audit_refusal
from workflows.rejections import ROLE_NOT_PERMITTED

PARTICIPANT_ID = re.compile(PARTICIPANT_ID_PATTERN)


@dataclass(frozen=True)
class Principal:
    """The authenticated person."""

    person: Person

    @property
    def person_id(self) -> str:
        return self.person.person_id

    @property
    def roles(self) -> list[Role]:
        return journey_roles(self.person.roles)

    @property
    def administrator(self) -> bool:
        return ADMINISTRATOR in self.person.roles

    @property
    def roles_label(self) -> str:
        return ", ".join(self.person.roles)

    def may(self, action: Action) -> bool:
        return any(allowed(role, action) for role in self.roles)

    def acting_role(self, action: Action) -> Role | None:
        """The role this person takes `action` in: the first of theirs it is open to, else their
        first (so a refusal names a role they hold), or None when they hold none."""
        roles = self.roles
        return next((role for role in roles if allowed(role, action)), roles[0] if roles else None)

    def covers_site(self, site: str | None) -> bool:
        return site is None or self.person.covers_site(site)

    def identity(self, acting_role: Role, signature: ElectronicSignature | None = None) -> ActorIdentity:
        """What the API vouches for in an Update's actor assertion."""
        return ActorIdentity(
            person_id=self.person_id,
            full_name=self.person.full_name,
            roles=self.roles,
            sites=self.person.sites,
            acting_role=acting_role,
            signature=signature,
        )


MISSING_TOKEN = "Missing bearer token: send the header `Authorization: Bearer <token>`."
UNKNOWN_TOKEN = "Unknown, expired or revoked token: sign in again (`itc login`) for a new one."


async def identify(
    context: ApiContext, token: str | None, *, error: type[NotAuthenticated] = NotAuthenticated
) -> Principal:
    """The holder of a personal API token."""
    if not token:
        raise error(MISSING_TOKEN)
    try:
        person, _ = await context.people.tokens.person_for(token)
    except TokenRefused:
        raise error(UNKNOWN_TOKEN) from None
    context.known_credentials[credential_digest(token)] = person.person_id
    return Principal(person)


@dataclass(frozen=True)
class Permit:
    """The principal passed the permission check for `action`, acting in `role`. Issued only by `permit`."""

    principal: Principal
    action: Action
    role: Role


async def permit(
    context: ApiContext, principal: Principal, action: Action, participant_id: str | None = None
) -> Permit:
    """The one permission check of a request (the same `role_refusal` the journey's validators
    apply); a refused write on a participant's journey also joins its audit trail."""
    role = principal.acting_role(action)
    message = role_refusal(role, action)
    if message is None and role is not None:
        return Permit(principal, action, role)
    message = message or "Your account holds no role that acts on journeys."
    staff_action = STAFF_ACTION_OF.get(action)
    if staff_action is not None and participant_id and PARTICIPANT_ID.fullmatch(participant_id):
        refusal = RecordRefusedActionInput(
            update=staff_action.update, actor_id=principal.person_id, role=role,
            refusal=ROLE_NOT_PERMITTED, message=message, refused_by="api",
        )  # fmt: skip
        await audit_refusal(context.refusals, participant_id, refusal)
    raise Forbidden(message)


_bearer = HTTPBearer(auto_error=False, description="A personal API token (`itc login`, or issued by an administrator)")


async def authenticated(
    context: Annotated[ApiContext, Depends(get_context)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Dependency: the token's holder, for routes that need a person rather than an action."""
    return await identify(context, credentials.credentials if credentials else None)


def require(action: Action) -> Callable[..., Awaitable[Permit]]:
    """Dependency: the caller's permit, refused (401/403) before the body is validated."""

    async def dependency(
        request: Request,
        context: Annotated[ApiContext, Depends(get_context)],
        principal: Annotated[Principal, Depends(authenticated)],
    ) -> Permit:
        return await permit(context, principal, action, request.path_params.get("participant_id"))

    return dependency


def require_administrator(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
    if not principal.administrator:
        raise Forbidden("Only an administrator may manage accounts.")
    return principal
