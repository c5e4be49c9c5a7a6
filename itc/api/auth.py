"""Bearer tokens to roles, and the permission check every request goes through once.

The check issues a `Permit`, and the operations behind the API and the dashboard take a
Permit rather than a bare principal: a request is checked where its permit is issued (the
route's dependency, or the dashboard page) and nowhere else.

Tokens are compared in constant time, and neither they nor their holders are logged.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from itc.actions import STAFF_ACTION_OF, Action, Role, allowed, role_refusal
from itc.api.context import ApiContext, get_context
from itc.api.errors import Forbidden, NotAuthenticated
from itc.models.inputs import PARTICIPANT_ID_PATTERN, RecordRefusedActionInput
from itc.runtime.journeys import audit_refusal
from workflows.rejections import ROLE_NOT_PERMITTED

PARTICIPANT_ID = re.compile(PARTICIPANT_ID_PATTERN)


@dataclass(frozen=True)
class Principal:
    role: Role

    def may(self, action: Action) -> bool:
        return allowed(self.role, action)


MISSING_TOKEN = "Missing bearer token: send the header `Authorization: Bearer <token>`."
UNKNOWN_TOKEN = "Unknown bearer token: it is not one of the server's ITC_API_TOKENS; check it, or ask for a new one."


def identify(
    tokens: dict[str, Role], token: str | None, *, error: type[NotAuthenticated] = NotAuthenticated
) -> Principal:
    if not token:
        raise error(MISSING_TOKEN)
    presented = token.encode()
    role = None
    for known, known_role in tokens.items():
        # No early exit: the time taken must not say how close a guess came.
        if hmac.compare_digest(known.encode(), presented):
            role = known_role
    if role is None:
        raise error(UNKNOWN_TOKEN)
    return Principal(role)


@dataclass(frozen=True)
class Permit:
    """The principal passed the permission check for `action`. Issued only by `permit`."""

    principal: Principal
    action: Action


# A token names a role, not a person; the body's actor_id is not read before refusing.
API_TOKEN_ACTOR = "api-token"


async def permit(
    context: ApiContext, principal: Principal, action: Action, participant_id: str | None = None
) -> Permit:
    """The one permission check of a request (the same `role_refusal` the journey's validators
    apply); a refused write on a participant's journey also joins its audit trail."""
    message = role_refusal(principal.role, action)
    if message is None:
        return Permit(principal, action)
    staff_action = STAFF_ACTION_OF.get(action)
    if staff_action is not None and participant_id and PARTICIPANT_ID.fullmatch(participant_id):
        refusal = RecordRefusedActionInput(
            update=staff_action.update, actor_id=API_TOKEN_ACTOR, role=principal.role,
            refusal=ROLE_NOT_PERMITTED, message=message, refused_by="api",
        )  # fmt: skip
        await audit_refusal(context.client, participant_id, refusal)
    raise Forbidden(message)


_bearer = HTTPBearer(auto_error=False, description="A token listed in the server's ITC_API_TOKENS")


def require(action: Action) -> Callable[..., Awaitable[Permit]]:
    """Dependency: the caller's permit, refused (401/403) before the body is validated."""

    async def dependency(
        request: Request,
        context: Annotated[ApiContext, Depends(get_context)],
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Permit:
        principal = identify(context.tokens, credentials.credentials if credentials else None)
        return await permit(context, principal, action, request.path_params.get("participant_id"))

    return dependency
