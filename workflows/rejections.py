"""Rejections of staff actions, as Update validators raise them.

A rejection raised in a validator never reaches history; the message is what
the nurse sees, so it says what is wrong and what to do instead. The journey
core names its refusals (`itc.journey.refusals`); this turns them into
Temporal's non-retryable application errors.
"""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from itc.actions import Action, Role, role_refusal
from itc.journey.refusals import (
    INVALID_VALUE,
    JOURNEY_ENDED,
    NOT_ALLOWED_NOW,
    OUT_OF_ORDER,
    ROLE_NOT_PERMITTED,
    UNKNOWN_REFERENCE,
    Refusal,
)
from itc.models.identity import ACTOR_NOT_AUTHENTICATED, ActorAssertion
from itc.models.inputs import StaffAction

__all__ = [
    "INVALID_VALUE",
    "JOURNEY_ENDED",
    "NOT_ALLOWED_NOW",
    "OUT_OF_ORDER",
    "ROLE_NOT_PERMITTED",
    "UNKNOWN_REFERENCE",
    "admit",
    "authorize",
    "reject",
    "rejection",
    "require_verified_actor",
]


def reject(error_type: str, message: str) -> ApplicationError:
    return ApplicationError(message, type=error_type, non_retryable=True)


def rejection(refusal: Refusal) -> ApplicationError:
    return reject(refusal.error_type, refusal.message)


def authorize(role: Role | None, action: Action) -> None:
    """Refuse an action outside the actor's role (validators do not run on replay, so a
    history from before roles replays regardless)."""
    if (refusal := role_refusal(role, action)) is not None:
        raise reject(ROLE_NOT_PERMITTED, refusal)


def require_verified_actor(verified: ActorAssertion | None) -> None:
    """Refuse an Update whose sender no interceptor vouched for: a worker built without the
    engine's trust interceptor (itc.runtime.workflow_trust) refuses every Update rather than
    trusting the actor and role its input names."""
    if verified is None:
        raise reject(ACTOR_NOT_AUTHENTICATED, "Refused: this worker cannot check who sent the request")


def admit(action: StaffAction, kind: Action) -> None:
    """What every validator checks first: a request at all, from a role that may take `kind`."""
    if not isinstance(action, StaffAction):
        raise reject(INVALID_VALUE, "The request has no fields: send the action as one JSON object.")
    authorize(action.role, kind)
