"""Electronic signatures on the trial's own decisions (21 CFR 11.50, 11.70): a supervisor's
resume after a safety pause is recorded by the trial workflow, not on a journey, so its
signature names the trial and the decision's place in the trial's list of decisions (from 1),
with a digest of what the decision says. A signature moved to another decision, or a decision
that no longer reads as signed, fails verification."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from pydantic import BaseModel

from itc.models.roles import SignatureMeaning
from itc.models.trial import TrialDecision
from itc.people.access_log import Channel
from itc.people.models import Person
from itc.people.signatures import canonical_digest, manifestation, store_signature


def decision_hash(trial_id: str, sequence: int, decision: TrialDecision) -> str:
    return canonical_digest({"trial_id": trial_id, "sequence": sequence, **decision.model_dump(mode="json")})


class TrialSignature(BaseModel):
    trial_id: str
    sequence: int
    person_id: str
    printed_name: str
    meaning: SignatureMeaning
    signed_at: datetime
    record_hash: str

    def manifestation(self) -> str:
        return manifestation(self.printed_name, self.person_id, self.meaning, self.signed_at)


class TrialSignatureView(BaseModel):
    """A trial decision's signature as every view shows it, verified against the decision."""

    sequence: int
    person_id: str
    printed_name: str
    meaning: SignatureMeaning
    signed_at: str
    valid: bool
    problem: str | None
    manifestation: str


def verify(signature: TrialSignature, decisions: list[TrialDecision]) -> TrialSignatureView:
    problem: str | None = None
    if not 1 <= signature.sequence <= len(decisions):
        problem = "the signed decision is not there"
    elif decision_hash(signature.trial_id, signature.sequence, decisions[signature.sequence - 1]) != (
        signature.record_hash
    ):
        problem = "the decision differs from what was signed"
    return TrialSignatureView(
        sequence=signature.sequence,
        person_id=signature.person_id,
        printed_name=signature.printed_name,
        meaning=signature.meaning,
        signed_at=signature.signed_at.isoformat(),
        valid=problem is None,
        problem=problem,
        manifestation=signature.manifestation() + ("" if problem is None else f" — INVALID: {problem}"),
    )


_COLUMNS = "trial_id, sequence, person_id, printed_name, meaning, signed_at, record_hash"


class TrialSignatures:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def sign(
        self,
        trial_id: str,
        sequence: int,
        decision: TrialDecision,
        person: Person,
        meaning: SignatureMeaning,
        *,
        channel: Channel,
    ) -> TrialSignature:
        signature = TrialSignature(
            trial_id=trial_id,
            sequence=sequence,
            person_id=person.person_id,
            printed_name=person.full_name,
            meaning=meaning,
            signed_at=datetime.now(UTC),
            record_hash=decision_hash(trial_id, sequence, decision),
        )
        detail = {"trial_id": trial_id, "decision": sequence, "meaning": meaning.value}
        await store_signature(self._pool, "trial_decision_signatures", _COLUMNS, signature, person, channel, detail)
        return signature

    async def for_trial(self, trial_id: str) -> list[TrialSignature]:
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM trial_decision_signatures WHERE trial_id = $1 ORDER BY sequence, signed_at",
            trial_id,
        )
        return [TrialSignature.model_validate(dict(row)) for row in rows]


async def verified_by_sequence(
    signatures: TrialSignatures, trial_id: str, decisions: list[TrialDecision]
) -> dict[int, list[TrialSignatureView]]:
    views: dict[int, list[TrialSignatureView]] = {}
    for signature in await signatures.for_trial(trial_id):
        views.setdefault(signature.sequence, []).append(verify(signature, decisions))
    return views
