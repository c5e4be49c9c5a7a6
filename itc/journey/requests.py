"""Idempotency that never drops data: a request ID names one staff action.

The same request ID with the same Update, actor and content is a retry and gets the earlier
acceptance; with anything different it is a new record sent under a used ID, which is
refused naming the earlier event, so nothing is silently dropped as "already recorded".
"""

from __future__ import annotations

from itc.journey.refusals import REQUEST_ID_CONFLICT, Refusal
from itc.models.fingerprints import request_fingerprint
from itc.models.inputs import StaffAction
from itc.models.state import JourneyState


def remember(state: JourneyState, action: StaffAction) -> None:
    if action.request_id is not None and action.request_id in state.applied_requests:
        state.request_fingerprints.setdefault(action.request_id, request_fingerprint(action))


def conflict(state: JourneyState, action: StaffAction) -> Refusal | None:
    """The refusal of a request ID reused for something else; None for a new ID or a true retry."""
    request_id = action.request_id
    if request_id is None or request_id not in state.applied_requests:
        return None
    known = state.request_fingerprints.get(request_id)
    if known is None or known == request_fingerprint(action):
        # Applied before fingerprints were kept: taken as a retry, as it always was.
        return None
    sequence = state.applied_requests[request_id]
    return Refusal(
        REQUEST_ID_CONFLICT,
        f"Request ID {request_id} was already used for event #{sequence}, with a different action, actor or "
        "values; nothing was recorded. Send this record with a new request ID.",
    )
