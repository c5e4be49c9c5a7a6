"""Named, human-readable rejections raised by update validators.

A rejection raised in a validator never reaches history; the message is what
the nurse sees, so it says what is wrong and what to do instead.
"""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

OUT_OF_ORDER = "OutOfOrder"
INVALID_VALUE = "InvalidValue"
NOT_ALLOWED_NOW = "NotAllowedNow"
UNKNOWN_REFERENCE = "UnknownReference"
JOURNEY_ENDED = "JourneyEnded"
ROLE_NOT_PERMITTED = "RoleNotPermitted"


def reject(error_type: str, message: str) -> ApplicationError:
    return ApplicationError(message, type=error_type, non_retryable=True)
