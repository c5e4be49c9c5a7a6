"""A stable digest of a staff action's content, for telling a retry from a reused request ID.

It lives with the models, beside the shape it digests, so the journey core can compare
requests without importing hashing or serialisation itself.
"""

from __future__ import annotations

import hashlib
import json

from itc.models.inputs import StaffAction


def request_fingerprint(action: StaffAction) -> str:
    """The Update (one input model per Update), actor, role and content, without the request ID."""
    content = action.model_dump(mode="json", exclude={"request_id"})
    canonical = json.dumps({"update": type(action).__name__, "content": content}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
