"""Named, human-readable rejections raised by update validators.

A rejection raised in a validator never reaches history; the message is what
the nurse sees, so it says what is wrong and what to do instead.
"""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from itc.actions import Action, Role, role_refusal

OUT_OF_ORDER = "OutOfOrder"
INVALID_VALUE = "InvalidValue"
NOT_ALLOWED_NOW = "NotAllowedNow"
UNKNOWN_REFERENCE = "UnknownReference"
JOURNEY_ENDED = "JourneyEnded"
ROLE_NOT_PERMITTED = "RoleNotPermitted"


def reject(error_type: str, message: str) -> ApplicationError:
    return ApplicationError(message, type=error_type, non_retryable=True)


def authorise(role: Role | None, action: Action) -> None:
    """Refuse an action outside the actor's role (validators do not run on replay, so a
    history from before roles replays regardless)."""
    if (refusal := role_refusal(role, action)) is not None:
        raise reject(ROLE_NOT_PERMITTED, refusal)
