"""Named, human-readable refusals of a staff action.

The message is what the nurse sees, so it says what is wrong and what to do
instead. The workflow turns a refusal into its Update's rejection.
"""

from __future__ import annotations

OUT_OF_ORDER = "OutOfOrder"
INVALID_VALUE = "InvalidValue"
NOT_ALLOWED_NOW = "NotAllowedNow"
UNKNOWN_REFERENCE = "UnknownReference"
JOURNEY_ENDED = "JourneyEnded"
ROLE_NOT_PERMITTED = "RoleNotPermitted"
REQUEST_ID_CONFLICT = "RequestIdConflict"
# A scan naming another participant or unit: refused, and raised as an incident.
CHAIN_OF_IDENTITY_MISMATCH = "ChainOfIdentityMismatch"


class Refusal(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def refuse(error_type: str, message: str) -> Refusal:
    return Refusal(error_type, message)
