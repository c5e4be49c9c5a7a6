"""Bearer tokens to roles, and the permission check every write goes through.

Tokens are compared in constant time, and neither they nor their holders are logged.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.context import ApiContext, get_context
from api.errors import Forbidden, NotAuthenticated
from api.permissions import Action, Role, allowed, refusal_message


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


def authorize(principal: Principal, action: Action) -> None:
    if not principal.may(action):
        raise Forbidden(refusal_message(principal.role, action))


_bearer = HTTPBearer(auto_error=False, description="A token listed in the server's ITC_API_TOKENS")


def require(action: Action):
    """Dependency: the caller's role, refused (401/403) before the body is validated."""

    async def dependency(
        context: Annotated[ApiContext, Depends(get_context)],
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        principal = identify(context.tokens, credentials.credentials if credentials else None)
        authorize(principal, action)
        return principal

    return dependency
