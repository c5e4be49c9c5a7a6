"""The actor assertion the API signs and the worker checks (issue 14, "identity reaches the
journey as a verified assertion"; 21 CFR 11.10(d) limiting system access to authorised
individuals): a forged, altered, moved or mismatched assertion is refused; rotation keeps
old assertions verifiable."""

from __future__ import annotations

import stat
from datetime import UTC, datetime

import pytest

from itc.base.settings import Settings
from itc.crypto.assertions import AssertionRefused, bind, content_digest, sign_assertion, verify_assertion
from itc.crypto.engine_keys import IDENTITY_KEYS, SIGNAL_KEYS, resolve_engine_keyring
from itc.crypto.keyring import Keyring, KeyringError
from itc.models.identity import ActorAssertion, ActorIdentity
from itc.models.inputs import RecordWithdrawalInput
from itc.models.roles import Role

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def withdrawal(actor: str = "nurse.rahimi", role: Role = Role.OPERATIONS, **extra: object) -> RecordWithdrawalInput:
    return RecordWithdrawalInput(actor_id=actor, role=role, withdrawn_at=NOW, **extra)  # type: ignore[arg-type]


def nurse(acting_role: Role = Role.OPERATIONS, roles: list[Role] | None = None) -> ActorIdentity:
    return ActorIdentity(person_id="nurse.rahimi", roles=roles or [Role.OPERATIONS], acting_role=acting_role)


def signed(keyring: Keyring, content: RecordWithdrawalInput, **binding: str) -> ActorAssertion:
    where = {"update": "record_withdrawal", "update_id": "u-1", "workflow_id": "journey-ITC-007", **binding}
    return sign_assertion(keyring, nurse(), bind(content=content, **where), NOW)


def check(keyring: Keyring, assertion: ActorAssertion | None, content: RecordWithdrawalInput) -> ActorAssertion:
    return verify_assertion(
        keyring,
        assertion,
        bind("record_withdrawal", "u-1", "journey-ITC-007", content),
        actor_id=content.actor_id,
        role=content.role,
    )


def test_a_signed_assertion_verifies_for_its_own_request() -> None:
    keyring = Keyring.generate("id1")
    content = withdrawal()
    assertion = signed(keyring, content)
    assert check(keyring, assertion, content) == assertion
    # What the worker recomputes from the decoded input is the digest the sender bound.
    decoded = RecordWithdrawalInput.model_validate_json(content.model_dump_json())
    assert content_digest(decoded) == assertion.binding.content_digest


def test_a_missing_assertion_is_refused() -> None:
    with pytest.raises(AssertionRefused, match="no actor assertion"):
        check(Keyring.generate(), None, withdrawal())


def test_an_assertion_signed_with_another_key_is_refused() -> None:
    content = withdrawal()
    forged = signed(Keyring.generate("id1"), content)
    with pytest.raises(AssertionRefused, match="not signed by this engine"):
        check(Keyring.generate("id1"), forged, content)


def test_an_altered_assertion_is_refused() -> None:
    keyring = Keyring.generate()
    content = withdrawal()
    promoted = signed(keyring, content).model_copy(update={"roles": [Role.OPERATIONS, Role.SUPERVISOR]})
    with pytest.raises(AssertionRefused, match="not signed by this engine"):
        check(keyring, promoted, content)


@pytest.mark.parametrize(
    "moved",
    [{"update": "record_death"}, {"update_id": "u-2"}, {"workflow_id": "journey-ITC-008"}],
    ids=["another-update", "another-update-id", "another-journey"],
)
def test_an_assertion_moved_to_another_request_is_refused(moved: dict[str, str]) -> None:
    keyring = Keyring.generate()
    content = withdrawal()
    with pytest.raises(AssertionRefused, match="issued for another request"):
        check(keyring, signed(keyring, content, **moved), content)


def test_an_assertion_for_other_content_is_refused() -> None:
    keyring = Keyring.generate()
    assertion = signed(keyring, withdrawal(reason="first wording"))
    with pytest.raises(AssertionRefused, match="issued for another request"):
        check(keyring, assertion, withdrawal(reason="second wording"))


def test_an_input_naming_another_actor_or_role_is_refused() -> None:
    keyring = Keyring.generate()
    other_actor = withdrawal(actor="dr.karimi")
    with pytest.raises(AssertionRefused, match=r"names actor dr\.karimi"):
        check(keyring, signed(keyring, other_actor), other_actor)
    claims_supervisor = withdrawal(role=Role.SUPERVISOR)
    with pytest.raises(AssertionRefused, match="names role supervisor"):
        check(keyring, signed(keyring, claims_supervisor), claims_supervisor)


def test_an_acting_role_the_person_does_not_hold_is_refused() -> None:
    keyring = Keyring.generate()
    content = withdrawal(role=Role.SUPERVISOR)
    identity = nurse(acting_role=Role.SUPERVISOR, roles=[Role.OPERATIONS])
    assertion = sign_assertion(keyring, identity, bind("record_withdrawal", "u-1", "journey-ITC-007", content), NOW)
    with pytest.raises(AssertionRefused, match="does not hold the supervisor role"):
        check(keyring, assertion, content)


def test_after_rotation_old_assertions_verify_and_new_ones_use_the_new_key() -> None:
    before = Keyring.generate("id-2026-05")
    after = before.rotated("id-2026-11")
    content = withdrawal()
    old = signed(before, content)
    assert check(after, old, content) == old
    assert signed(after, content).key_id == "id-2026-11"


def test_the_dev_stack_creates_each_engine_keyring_once_with_mode_0600(tmp_path: object) -> None:
    settings = Settings(itc_data_dir=tmp_path, itc_identity_keys=None, itc_signal_keys=None)  # type: ignore[arg-type]
    for kind in (IDENTITY_KEYS, SIGNAL_KEYS):
        first = resolve_engine_keyring(settings, kind)
        again = resolve_engine_keyring(settings, kind)
        assert first.keys == again.keys
        path = settings.itc_data_dir / kind.dev_file
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_outside_the_dev_stack_a_missing_engine_keyring_is_an_error(tmp_path: object) -> None:
    settings = Settings(
        itc_data_dir=tmp_path,  # type: ignore[arg-type]
        temporal_address="temporal.example:7233",
        itc_identity_keys=None,
        itc_signal_keys=None,
    )
    with pytest.raises(KeyringError, match="ITC_IDENTITY_KEYS_FILE"):
        resolve_engine_keyring(settings, IDENTITY_KEYS)
