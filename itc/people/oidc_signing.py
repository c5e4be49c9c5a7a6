"""A signature through the organisation's OpenID Connect provider (21 CFR 11.200(a)(1),
11.100): the person is sent to the provider to authenticate again (`prompt=login`,
`max_age=0`), and the signature is made only if the ID token that comes back is theirs and
says they authenticated after the signing request began.

While the browser is at the provider, the pending signature (what is signed, by whom, when
the request began, the state and nonce) travels in a cookie sealed with an HMAC under the
client secret, which only the server holds: the browser cannot move the start of the request
back to accept an older authentication, nor point the signature at another record."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import asdict, dataclass

# How long a person has to authenticate at the provider before the request lapses.
SIGNING_FLOW_SECONDS = 600


@dataclass(frozen=True)
class SigningTarget:
    """What is signed: a participant's stored event, or (participant None) a trial decision."""

    sequence: int
    participant_id: str | None = None

    def describe(self) -> dict[str, object]:
        if self.participant_id is None:
            return {"decision": self.sequence}
        return {"participant_id": self.participant_id, "sequence": self.sequence}


@dataclass(frozen=True)
class SigningFlow:
    state: str
    nonce: str
    began_at: float
    person_id: str
    sequence: int
    participant_id: str | None = None

    @property
    def target(self) -> SigningTarget:
        return SigningTarget(self.sequence, self.participant_id)

    def seal(self, key: str) -> str:
        body = base64.urlsafe_b64encode(json.dumps(asdict(self), sort_keys=True).encode()).decode().rstrip("=")
        return f"{body}.{_mac(key, body)}"

    @classmethod
    def unseal(cls, sealed: str, key: str, *, now: float | None = None) -> SigningFlow | None:
        """The flow, if the cookie is one this server sealed and it has not lapsed."""
        body, _, mac = sealed.partition(".")
        if not body or not hmac.compare_digest(mac.encode(), _mac(key, body).encode()):
            return None
        try:
            flow = cls(**json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))
        except (ValueError, TypeError):
            return None
        current = time.time() if now is None else now
        return flow if 0 <= current - flow.began_at <= SIGNING_FLOW_SECONDS else None


def _mac(key: str, body: str) -> str:
    return hmac.new(key.encode(), f"itc-oidc-signing\x00{body}".encode(), hashlib.sha256).hexdigest()
