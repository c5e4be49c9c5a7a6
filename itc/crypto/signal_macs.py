"""MACs on the signals workflows send each other, under a key only workers hold.

A journey tells the trial its DLT outcome and SAE clocks; the trial tells each journey when
infusions pause or resume. Anyone who reaches Temporal's frontend can send a signal of the
right shape, so the receiver acts only on one whose MAC proves a worker sent it: an
HMAC-SHA256 over the signal's name, the receiving workflow's ID and the argument's canonical
JSON, under the active signal key. The MAC travels in the argument itself (`signal_mac`,
"<key id>:<hex>", encrypted with the rest of the payload) rather than in a header, because
not every Temporal server (the time-skipping test server among them) passes the headers of
a signal sent from one workflow to another; the key ID lets old keys still verify.

Pure computation: the receiving check runs inside the workflow sandbox.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, TypeVar

from pydantic import BaseModel

from itc.crypto.assertions import canonical_json
from itc.crypto.keyring import Keyring

SIGNAL_MAC_FIELD = "signal_mac"
# Fields a signed signal gained after workers began signing it, each None when not sent. A MAC
# made before a field existed covers the content without it, and signal handlers run again on
# replay: a report recorded then must still verify, or replay takes the other side of
# workflow.patched(AUTHENTICATED_SIGNALS) and fails as non-deterministic.
FIELDS_ADDED_AFTER_SIGNING = frozenset({"report_sequence", "pause_sequence"})
SignalT = TypeVar("SignalT", bound=BaseModel)


def _mac(key: bytes, signal: str, workflow_id: str, arg: BaseModel, *, as_before: frozenset[str] = frozenset()) -> str:
    """The MAC over the argument's content; `as_before` leaves out those of the later fields
    that are unset, as the content was before they existed."""
    unset_later = {name for name in as_before if getattr(arg, name, None) is None}
    content = arg.model_dump(mode="json", exclude={SIGNAL_MAC_FIELD, *unset_later})
    message = canonical_json({"signal": signal, "workflow_id": workflow_id, "arg": content})
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def carries_signal_mac(arg: Any) -> bool:
    return isinstance(arg, BaseModel) and SIGNAL_MAC_FIELD in type(arg).model_fields


def sign_signal(keyring: Keyring, signal: str, workflow_id: str, arg: SignalT) -> SignalT:
    """`arg` with its MAC for `signal` to `workflow_id`."""
    mac = _mac(keyring.active_key, signal, workflow_id, arg)
    return arg.model_copy(update={SIGNAL_MAC_FIELD: f"{keyring.active_id}:{mac}"})


def signal_mac_problem(keyring: Keyring, signal: str, workflow_id: str, args: Any) -> str | None:
    """Why the signal is not from a worker of this engine, or None when its MAC verifies."""
    if len(args) != 1 or not carries_signal_mac(args[0]):
        return "its argument is not one a worker sends"
    arg = args[0]
    presented = getattr(arg, SIGNAL_MAC_FIELD)
    if not isinstance(presented, str) or ":" not in presented:
        return "it carries no MAC"
    key_id, mac = presented.rsplit(":", 1)
    key = keyring.keys.get(key_id)
    if key is None:
        return "its MAC names a key the workers do not hold"
    if not any(
        hmac.compare_digest(_mac(key, signal, workflow_id, arg, as_before=form), mac)
        for form in (frozenset(), FIELDS_ADDED_AFTER_SIGNING)
    ):
        return "its MAC does not verify"
    return None
