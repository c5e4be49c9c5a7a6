"""Electronic signatures (21 CFR 11.50, 11.70): a person, their printed name, the UTC time and
the meaning of the signature, bound to one stored event by a digest of its content and
sequence. Verification recomputes the digest from the event the signature points at, so a
signature moved to another event, or an event changed under it, no longer verifies."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import asyncpg
from pydantic import BaseModel

from itc.models.events import JourneyEvent
from itc.models.roles import SignatureMeaning
from itc.people.access_log import AccessKind, Channel, log_access
from itc.people.models import Person

# What a signature covers: everything that says what was recorded, about whom, by whom and
# when, and which record it corrects. Not where Temporal ran it (workflow and run IDs).
SIGNED_FIELDS = (
    "participant_id", "sequence", "type", "payload", "occurred_at", "actor", "actor_role", "reason",
    "corrects_sequence", "request_id", "protocol_version",
)  # fmt: skip


def canonical_digest(content: dict[str, Any]) -> str:
    """SHA-256 of the content as canonical JSON (sorted keys, no spaces), so one record always has one hash."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_hash(event: JourneyEvent) -> str:
    return canonical_digest(event.model_dump(mode="json", include=set(SIGNED_FIELDS)))


class Signature(BaseModel):
    participant_id: str
    sequence: int
    person_id: str
    printed_name: str
    meaning: SignatureMeaning
    signed_at: datetime
    record_hash: str
    corrects_sequence: int | None = None

    def manifestation(self) -> str:
        return manifestation(
            self.printed_name, self.person_id, self.meaning, self.signed_at, corrects_sequence=self.corrects_sequence
        )


def manifestation(
    printed_name: str,
    person_id: str,
    meaning: SignatureMeaning,
    signed_at: datetime,
    *,
    corrects_sequence: int | None = None,
) -> str:
    """How a signature reads wherever the record is shown (21 CFR 11.50(a))."""
    when = signed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    corrects = f", correcting #{corrects_sequence}" if corrects_sequence else ""
    return f"Signed by {printed_name} ({person_id}), {meaning.value}, {when}{corrects}"


class SignatureCheck(BaseModel):
    signature: Signature
    valid: bool
    problem: str | None = None


_COLUMNS = "participant_id, sequence, person_id, printed_name, meaning, signed_at, record_hash, corrects_sequence"


def verify(signature: Signature, event: JourneyEvent | None) -> SignatureCheck:
    if event is None or event.sequence != signature.sequence or event.participant_id != signature.participant_id:
        return SignatureCheck(signature=signature, valid=False, problem="the signed record is not there")
    if record_hash(event) != signature.record_hash:
        return SignatureCheck(signature=signature, valid=False, problem="the record differs from what was signed")
    return SignatureCheck(signature=signature, valid=True)


def verify_all(signatures: list[Signature], events: list[JourneyEvent]) -> list[SignatureCheck]:
    by_sequence = {event.sequence: event for event in events}
    return [verify(signature, by_sequence.get(signature.sequence)) for signature in signatures]


class Signatures:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def sign(
        self, event: JourneyEvent, person: Person, meaning: SignatureMeaning, *, channel: Channel
    ) -> Signature:
        signature = Signature(
            participant_id=event.participant_id,
            sequence=event.sequence,
            person_id=person.person_id,
            printed_name=person.full_name,
            meaning=meaning,
            signed_at=datetime.now(UTC),
            record_hash=record_hash(event),
            corrects_sequence=event.corrects_sequence,
        )
        detail = {"participant_id": event.participant_id, "sequence": event.sequence, "meaning": meaning.value}
        await store_signature(self._pool, "electronic_signatures", _COLUMNS, signature, person, channel, detail)
        return signature

    async def for_participant(self, participant_id: str) -> list[Signature]:
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM electronic_signatures WHERE participant_id = $1 ORDER BY sequence, signed_at",
            participant_id,
        )
        return [Signature.model_validate(dict(row)) for row in rows]


async def store_signature(
    pool: asyncpg.Pool,
    table: str,
    columns: str,
    signature: BaseModel,
    person: Person,
    channel: Channel,
    detail: dict[str, Any],
) -> None:
    """A signature's row in `table` (its fields named by `columns`) and its access-log entry, in
    one transaction: no signature is kept that the access log does not show (ICH E6(R3) 4.2.2)."""
    names = [column.strip() for column in columns.split(",")]
    values: dict[str, Any] = signature.model_dump()
    placeholders = ", ".join(f"${number}" for number in range(1, len(names) + 1))
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", *(values[name] for name in names)
        )
        await log_access(
            conn, AccessKind.SIGNED, person_id=person.person_id, actor_id=person.person_id, channel=channel,
            detail=detail,
        )  # fmt: skip
