"""Signing and checking actor assertions (`itc.models.identity.ActorAssertion`).

An assertion is an HMAC-SHA256 over its canonical JSON (sorted keys, no whitespace) under the
active identity key, whose ID it names, so keys rotate like the payload keys: every listed key
verifies, the active one signs. The request it vouches for is bound in: the Update's name and
ID, the workflow ID and a SHA-256 digest of the input's canonical JSON.

Pure computation, no clock and no I/O: the worker checks assertions inside the workflow
sandbox, in the Update validator path.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError

from itc.crypto.keyring import Keyring
from itc.models.identity import ACTOR_NOT_AUTHENTICATED, ActorAssertion, ActorIdentity, RequestBinding
from itc.models.roles import Role

__all__ = [
    "ACTOR_NOT_AUTHENTICATED",
    "AssertionRefused",
    "bind",
    "check_fresh",
    "content_digest",
    "sign_assertion",
    "verify_assertion",
]


class AssertionRefused(Exception):
    """The assertion does not vouch for this request; the message says why, never a key or PHI."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def content_digest(content: BaseModel) -> str:
    """SHA-256 of the input's canonical JSON: the same on the sender's model and the worker's decoded one."""
    return hashlib.sha256(canonical_json(content.model_dump(mode="json"))).hexdigest()


def _mac(key: bytes, unsigned: dict[str, Any]) -> str:
    return hmac.new(key, canonical_json(unsigned), hashlib.sha256).hexdigest()


def bind(update: str, update_id: str, workflow_id: str, content: BaseModel) -> RequestBinding:
    return RequestBinding(
        update=update, update_id=update_id, workflow_id=workflow_id, content_digest=content_digest(content)
    )


def sign_assertion(
    keyring: Keyring, identity: ActorIdentity, binding: RequestBinding, issued_at: datetime
) -> ActorAssertion:
    """The identity, bound to one request and signed with the active identity key."""
    unsigned = ActorAssertion.model_validate(
        {
            **identity.model_dump(),
            "issued_at": issued_at,
            "binding": binding,
            "key_id": keyring.active_id,
            "mac": "0" * 64,
        }
    )
    return unsigned.model_copy(update={"mac": _mac(keyring.active_key, _signed_fields(unsigned))})


def _signed_fields(assertion: ActorAssertion) -> dict[str, Any]:
    # The JSON form, which is what travels: the sender's and the worker's copies dump alike.
    return assertion.model_dump(mode="json", exclude={"mac"})


# How long an assertion vouches for its request once issued, and how far ahead of the checking
# worker's clock the issuing client's may run. The worker checks an assertion once, when an
# Update is first validated (validators do not run on replay, and an Update once accepted is
# never validated again), so the window only has to cover the time between signing and the
# first validation: the client's own retries of the Update call and a worker restart, which
# take seconds to a minute. A captured request sent again later is refused as stale.
ASSERTION_MAX_AGE = timedelta(minutes=5)
ASSERTION_CLOCK_SKEW = timedelta(seconds=30)


def check_fresh(assertion: ActorAssertion, now: datetime, max_age: timedelta = ASSERTION_MAX_AGE) -> None:
    """Refuse an assertion issued more than `max_age` before `now`, or dated ahead of it."""
    age = now - assertion.issued_at
    if age > max_age:
        raise AssertionRefused(
            f"the request's actor assertion was issued {int(age.total_seconds())} s ago, longer than the "
            f"{int(max_age.total_seconds())} s it is valid: send the request again"
        )
    if age < -ASSERTION_CLOCK_SKEW:
        raise AssertionRefused("the request's actor assertion is dated in the future: check the sender's clock")


def parse_assertion(data: Any) -> ActorAssertion:
    try:
        return data if isinstance(data, ActorAssertion) else ActorAssertion.model_validate(data)
    except ValidationError:
        raise AssertionRefused("the request's actor assertion is malformed") from None


def verify_assertion(
    keyring: Keyring,
    assertion: ActorAssertion | None,
    binding: RequestBinding,
    *,
    actor_id: str | None,
    role: Role | None,
) -> ActorAssertion:
    """The assertion, if it is ours, unaltered, for exactly this request and this actor in this role."""
    if assertion is None:
        raise AssertionRefused(
            "the request carries no actor assertion: send it through the engine's API (or the itc command)"
        )
    key = keyring.keys.get(assertion.key_id)
    if key is None or not hmac.compare_digest(_mac(key, _signed_fields(assertion)), assertion.mac):
        raise AssertionRefused("the request's actor assertion is not signed by this engine")
    if assertion.binding != binding:
        raise AssertionRefused("the request's actor assertion was issued for another request")
    if actor_id is not None and assertion.person_id != actor_id:
        raise AssertionRefused(f"the input names actor {actor_id}, but the request is from {assertion.person_id}")
    if role is not None and assertion.acting_role != role:
        raise AssertionRefused(
            f"the input names role {role.value}, but the request acts in the {assertion.acting_role.value} role"
        )
    if assertion.acting_role not in assertion.roles:
        raise AssertionRefused(f"{assertion.person_id} does not hold the {assertion.acting_role.value} role")
    return assertion
