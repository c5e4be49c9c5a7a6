"""Signature binding without a server: a signature verifies only against the exact event it
was made on (21 CFR 11.70: it cannot be excised, copied or transferred to falsify a record)."""

from __future__ import annotations

from datetime import UTC, datetime

from itc.models.enums import EventType
from itc.models.events import JourneyEvent
from itc.models.roles import SignatureMeaning
from itc.people.signatures import Signature, record_hash, verify, verify_all

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def event(sequence: int, **changes: object) -> JourneyEvent:
    data = {
        "participant_id": "ITC-007", "sequence": sequence, "type": EventType.ELIGIBILITY_ASSESSMENT_RECORDED,
        "payload": {"advanced_breast_cancer": True}, "occurred_at": AT, "recorded_at": AT, "actor": "dr.karimi",
        "actor_role": "operations", "protocol_version": "v1", "workflow_id": "journey-ITC-007", "run_id": "r1",
    }  # fmt: skip
    return JourneyEvent.model_validate({**data, **changes})


def signature_on(signed: JourneyEvent) -> Signature:
    return Signature(
        participant_id=signed.participant_id, sequence=signed.sequence, person_id="dr.karimi",
        printed_name="Leila Karimi", meaning=SignatureMeaning.APPROVED, signed_at=AT, record_hash=record_hash(signed),
    )  # fmt: skip


def test_a_signature_verifies_on_its_own_record_and_shows_name_time_and_meaning_11_50() -> None:
    signed = event(4)
    signature = signature_on(signed)
    assert verify(signature, signed).valid
    assert signature.manifestation() == "Signed by Leila Karimi (dr.karimi), approved, 2026-03-02 09:30:00 UTC"


def test_a_signature_moved_to_another_record_fails_11_70() -> None:
    signed, other = event(4), event(5)
    moved = signature_on(signed).model_copy(update={"sequence": 5})
    [check] = verify_all([moved], [signed, other])
    assert not check.valid and check.problem == "the record differs from what was signed"


def test_an_edited_record_no_longer_verifies_11_70() -> None:
    signed = event(4)
    signature = signature_on(signed)
    for edit in ({"payload": {"advanced_breast_cancer": False}}, {"actor": "someone.else"}, {"corrects_sequence": 2}):
        assert not verify(signature, event(4, **edit)).valid, edit
    # Where Temporal ran the workflow is not part of what was signed.
    assert verify(signature, event(4, run_id="another-run")).valid


def test_a_signature_whose_record_is_missing_fails() -> None:
    [check] = verify_all([signature_on(event(4))], [])
    assert not check.valid and check.problem == "the signed record is not there"
