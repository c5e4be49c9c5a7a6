"""Signature binding without a server: a signature verifies only against the exact event it
was made on (21 CFR 11.70: it cannot be excised, copied or transferred to falsify a record)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from itc.models.enums import EventType
from itc.models.events import JourneyEvent
from itc.models.roles import SignatureMeaning
from itc.models.trial import TrialDecision
from itc.people.models import Person
from itc.people.signatures import Signature, record_hash, verify, verify_all
from itc.people.signing import SignatureRefused, meaning_for, meaning_of, trial_meaning_for
from itc.people.trial_signatures import TrialSignature, decision_hash
from itc.people.trial_signatures import verify as verify_decision

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


def person(person_id: str, *roles: str) -> Person:
    return Person(
        person_id=person_id, full_name=person_id.title(), roles=list(roles), sites=[], disabled=False, locked=False,
        totp_enrolled=False, created_at=AT,
    )  # fmt: skip


def milestone(name: str, actor: str = "lab.tech") -> JourneyEvent:
    return event(9, type=EventType.MANUFACTURING_MILESTONE_RECORDED, payload={"milestone": name}, actor=actor)


def test_only_the_product_release_is_signed_among_milestones_and_quality_approves_it_11_50() -> None:
    release = milestone("product_release_qc")
    assert meaning_of(release) is SignatureMeaning.APPROVED
    assert meaning_of(milestone("ipsc_qc_passed")) is None
    assert meaning_for(release, person("qa.lee", "quality")) is SignatureMeaning.APPROVED
    # The lab recorded it: its recorder signs for what they did, not for the release.
    assert meaning_for(release, person("lab.tech", "lab")) is SignatureMeaning.PERFORMED
    with pytest.raises(SignatureRefused, match="approved by the quality role"):
        meaning_for(release, person("lab.other", "lab"))


def test_a_trial_resume_is_signed_by_its_supervisor_and_a_pause_by_no_one_11_50() -> None:
    resume = TrialDecision(at=AT, actor="dr.karimi", action="resume", reason="DSMB reviewed")
    pause = TrialDecision(at=AT, actor="system", action="pause", reason="boundary met")
    assert trial_meaning_for(resume, 2, person("dr.karimi", "supervisor")) is SignatureMeaning.APPROVED
    assert trial_meaning_for(resume, 2, person("dr.second", "supervisor")) is SignatureMeaning.VERIFIED
    with pytest.raises(SignatureRefused):
        trial_meaning_for(resume, 2, person("nurse.lee", "operations"))
    with pytest.raises(SignatureRefused, match="does not carry a signature"):
        trial_meaning_for(pause, 1, person("dr.karimi", "supervisor"))


def test_a_trial_decision_signature_is_bound_to_its_place_and_content_11_70() -> None:
    decisions = [
        TrialDecision(at=AT, actor="system", action="pause", reason="boundary met"),
        TrialDecision(at=AT, actor="dr.karimi", action="resume", reason="DSMB reviewed"),
    ]
    signed = TrialSignature(
        trial_id="itc", sequence=2, person_id="dr.karimi", printed_name="Leila Karimi",
        meaning=SignatureMeaning.APPROVED, signed_at=AT, record_hash=decision_hash("itc", 2, decisions[1]),
    )  # fmt: skip
    assert verify_decision(signed, decisions).valid
    assert not verify_decision(signed.model_copy(update={"sequence": 1}), decisions).valid
    edited = [decisions[0], decisions[1].model_copy(update={"reason": "no review"})]
    assert verify_decision(signed, edited).problem == "the decision differs from what was signed"
    assert verify_decision(signed, decisions[:1]).problem == "the signed decision is not there"
