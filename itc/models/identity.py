"""Who acts, as the engine's own front door vouches for it: the actor assertion.

A role or an actor ID written in an input is a claim anyone who reaches Temporal could make.
The assertion is what the API (and, until people sign in to it, the CLI) attaches to every
Update it sends, signed with a key only the API, the CLI of an operator's own stack and the
workers hold (`itc.crypto.assertions`). The worker checks it before a journey or the trial
acts: an Update without one, with a forged one, or with one that does not match the input's
`actor_id` and `role` is refused.

The assertion is bound to one request: the Update's name and ID, the workflow it is sent to
and a digest of the input's content, so it cannot be replayed on another request. It travels
in the Update's header (encrypted with the payloads), never in the input, so no request body
can carry one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from itc.models.inputs import ActorId, Code
from itc.models.roles import Role, SignatureMeaning
from itc.models.text import SingleLineText

# The header an Update's assertion travels in.
ASSERTION_HEADER = "itc-actor-assertion"
# The name of the refusal of an Update whose assertion is missing, forged or does not match.
ACTOR_NOT_AUTHENTICATED = "ActorNotAuthenticated"
# The name under which a signal without a valid MAC is audited.
SIGNAL_NOT_AUTHENTICATED = "SignalNotAuthenticated"
# A signed report the trial had already accepted, sent again.
SIGNAL_REPLAYED = "SignalReplayed"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ElectronicSignature(_Frozen):
    """A signature's manifestation (21 CFR 11.50): who, when, and what the signing meant.

    `record_hash` binds it to the exact content it signs (21 CFR 11.70), so it cannot be
    copied to another record or survive an edit.
    """

    printed_name: SingleLineText = Field(max_length=200)
    meaning: SignatureMeaning
    signed_at: datetime
    record_hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class ActorIdentity(_Frozen):
    """The authenticated identity of whoever sends a request, before it is bound and signed."""

    person_id: ActorId
    full_name: SingleLineText | None = Field(default=None, max_length=200)  # optional until people have accounts
    roles: list[Role] = Field(min_length=1)
    sites: list[Code] = Field(default_factory=list)  # empty: every site (until sites are assigned to people)
    acting_role: Role
    signature: ElectronicSignature | None = None


class RequestBinding(_Frozen):
    """The one request an assertion vouches for."""

    update: str = Field(max_length=128)
    update_id: str = Field(max_length=128)
    workflow_id: str = Field(max_length=256)
    content_digest: str = Field(pattern=r"^[0-9a-f]{64}$")


class ActorAssertion(ActorIdentity):
    issued_at: datetime
    binding: RequestBinding
    key_id: str = Field(max_length=64)
    mac: str = Field(pattern=r"^[0-9a-f]{64}$")

    def identity(self) -> ActorIdentity:
        return ActorIdentity.model_validate(self.model_dump(include=set(ActorIdentity.model_fields)))


def claimed_actor(content: Any) -> tuple[str | None, Role | None]:
    """The actor and role an Update's input names: a staff action's own, a resume's, or the
    consent record's for an enrolment."""
    source = getattr(content, "consent", content)
    actor_id, role = getattr(source, "actor_id", None), getattr(source, "role", None)
    return (actor_id if isinstance(actor_id, str) else None), (role if isinstance(role, Role) else None)
