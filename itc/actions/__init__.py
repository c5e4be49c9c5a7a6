"""The registry of staff actions: see `itc.actions.registry`."""

from itc.actions.registry import (
    ACTIONS,
    BY_UPDATE,
    STAFF_ACTION_OF,
    STAFF_ACTIONS,
    ActionSpec,
    SignatureMeaning,
    StaffActionSpec,
    allowed,
    refusal_message,
    role_refusal,
    roles_for,
)
from itc.models.roles import Action, Role

__all__ = [
    "ACTIONS",
    "BY_UPDATE",
    "STAFF_ACTIONS",
    "STAFF_ACTION_OF",
    "Action",
    "ActionSpec",
    "Role",
    "SignatureMeaning",
    "StaffActionSpec",
    "allowed",
    "refusal_message",
    "role_refusal",
    "roles_for",
]
