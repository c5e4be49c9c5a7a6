"""The roles an account can hold: every role the action registry grants an action to, plus
the administrator, who manages accounts and records nothing on a journey."""

from __future__ import annotations

from itc.actions.registry import ENTRIES
from itc.models.roles import Role

ADMINISTRATOR = "administrator"


def _registry_roles() -> tuple[str, ...]:
    granted = {role for entry in ENTRIES for role in entry.roles}
    return tuple(role.value for role in Role if role in granted)


ACCOUNT_ROLES: tuple[str, ...] = (*_registry_roles(), ADMINISTRATOR)


def check_roles(roles: list[str]) -> list[str]:
    """The roles in `ACCOUNT_ROLES` order, or ValueError naming the unknown ones."""
    unknown = sorted(set(roles) - set(ACCOUNT_ROLES))
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(unknown)}; roles: {', '.join(ACCOUNT_ROLES)}")
    if not roles:
        raise ValueError(f"give at least one role: {', '.join(ACCOUNT_ROLES)}")
    return [role for role in ACCOUNT_ROLES if role in roles]


def journey_roles(roles: list[str]) -> list[Role]:
    """The roles a person may act in on a journey (the administrator is none of them)."""
    return [Role(role) for role in roles if role != ADMINISTRATOR]
