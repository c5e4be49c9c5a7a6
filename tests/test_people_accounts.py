"""Accounts, lockout, TOTP, personal tokens, sessions and the access log, on real PostgreSQL."""

from __future__ import annotations

import asyncpg
import pyotp
import pytest

from itc.base.errors import InvalidInput
from itc.people.access_log import AccessKind, Channel, read_access_log
from itc.people.accounts import AccountUnusable, SignInRefused
from itc.people.models import AddPersonInput
from itc.people.passwords import policy_problems
from itc.people.service import People
from itc.people.settings import PeopleSettings
from itc.people.tokens import TokenRefused

PASSWORD = "correct horse battery staple"
ADMIN = "admin.tehrani"


@pytest.fixture
async def people(db_pool: asyncpg.Pool) -> People:
    return People.on(db_pool, PeopleSettings(lockout_failures=3, session_idle_minutes=30))


async def add_nurse(people: People, **changes: object) -> None:
    data = {"person_id": "nurse.rahimi", "full_name": "Sara Rahimi", "roles": ["operations"], "password": PASSWORD}
    await people.accounts.add(AddPersonInput.model_validate({**data, **changes}), actor_id=ADMIN, channel=Channel.API)


async def kinds(people: People, person_id: str) -> list[AccessKind]:
    return [entry.kind for entry in reversed(await read_access_log(people.pool, person_id=person_id))]


def test_password_policy_prefers_length_and_refuses_names_nist_800_63b_5_1_1_2() -> None:
    assert policy_problems(PASSWORD, "nurse.rahimi", "Sara Rahimi") == []
    assert policy_problems("short", "nurse.rahimi")
    assert policy_problems("password1234", "nurse.rahimi")
    assert policy_problems("aaaaaaaaaaaaaaaa", "nurse.rahimi")
    assert policy_problems("my name is rahimi!", "nurse.rahimi", "Sara Rahimi")


def test_roles_are_the_registrys_plus_administrator() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        AddPersonInput(person_id="x.y", full_name="X Y", roles=["janitor"])
    assert AddPersonInput(person_id="x.y", full_name="X Y", roles=["administrator", "lab"]).roles == [
        "lab",
        "administrator",
    ]


async def test_password_is_stored_as_argon2id_and_never_in_the_log(people: People) -> None:
    await add_nurse(people)
    stored = await people.pool.fetchval("SELECT password_hash FROM people_accounts")
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    log_text = str(await people.pool.fetch("SELECT * FROM access_log"))
    assert PASSWORD not in log_text and stored not in log_text
    with pytest.raises(InvalidInput, match="policy"):
        await add_nurse(people, person_id="lab.short", password="short")
    with pytest.raises(InvalidInput, match="already exists"):
        await add_nurse(people)


async def test_sign_in_and_lockout_after_the_configured_failures_are_logged(people: People) -> None:
    await add_nurse(people)
    person = await people.accounts.authenticate("nurse.rahimi", PASSWORD, channel=Channel.API)
    assert person.full_name == "Sara Rahimi"
    for _ in range(2):
        with pytest.raises(SignInRefused, match="Wrong person ID, password or code"):
            await people.accounts.authenticate("nurse.rahimi", "wrong password here", channel=Channel.API)
    with pytest.raises(AccountUnusable, match="locked"):
        await people.accounts.authenticate("nurse.rahimi", "wrong password again", channel=Channel.API)
    # Locked: even the right password is refused until an administrator resets it.
    with pytest.raises(AccountUnusable, match="locked"):
        await people.accounts.authenticate("nurse.rahimi", PASSWORD, channel=Channel.API)
    await people.accounts.reset_password("nurse.rahimi", "a new long passphrase", actor_id=ADMIN, channel=Channel.API)
    await people.accounts.authenticate("nurse.rahimi", "a new long passphrase", channel=Channel.API)
    assert await kinds(people, "nurse.rahimi") == [
        AccessKind.ACCOUNT_CREATED,
        AccessKind.SIGN_IN_FAILED,
        AccessKind.SIGN_IN_FAILED,
        AccessKind.SIGN_IN_FAILED,
        AccessKind.LOCKED,
        AccessKind.SIGN_IN_FAILED,
        AccessKind.PASSWORD_RESET,
    ]
    entries = await read_access_log(people.pool, person_id="nurse.rahimi", kind=AccessKind.PASSWORD_RESET)
    assert entries[0].actor_id == ADMIN and entries[0].occurred_at is not None


async def test_unknown_account_fails_like_a_wrong_password_and_is_logged(people: People) -> None:
    with pytest.raises(SignInRefused, match="Wrong person ID, password or code"):
        await people.accounts.authenticate("nobody.here", PASSWORD, channel=Channel.DASHBOARD)
    [entry] = await read_access_log(people.pool, person_id="nobody.here")
    assert entry.kind is AccessKind.SIGN_IN_FAILED and entry.person_id is None


async def test_totp_second_factor_rfc_6238(people: People) -> None:
    await add_nurse(people)
    secret = await people.accounts.enroll_totp("nurse.rahimi", actor_id="nurse.rahimi", channel=Channel.API)
    with pytest.raises(SignInRefused):
        await people.accounts.authenticate("nurse.rahimi", PASSWORD, channel=Channel.API)
    with pytest.raises(SignInRefused):
        await people.accounts.authenticate("nurse.rahimi", PASSWORD, totp_code="000000", channel=Channel.API)
    code = pyotp.TOTP(secret).now()
    assert (await people.accounts.authenticate("nurse.rahimi", PASSWORD, totp_code=code, channel=Channel.API)).person_id


async def test_roles_sites_and_disable_are_logged_and_disable_ends_tokens(people: People) -> None:
    await add_nurse(people)
    token, issued = await people.tokens.issue(
        "nurse.rahimi", label="laptop", days=30, actor_id="nurse.rahimi", channel=Channel.API
    )
    assert (await people.tokens.person_for(token))[0].person_id == "nurse.rahimi"
    await people.accounts.set_roles("nurse.rahimi", ["operations", "lab"], actor_id=ADMIN, channel=Channel.API)
    person = await people.accounts.set_sites("nurse.rahimi", ["SITE-A"], actor_id=ADMIN, channel=Channel.API)
    assert person.roles == ["operations", "lab"] and person.covers_site("SITE-A") and not person.covers_site("SITE-B")
    await people.accounts.disable("nurse.rahimi", actor_id=ADMIN, channel=Channel.API)
    with pytest.raises(TokenRefused):
        await people.tokens.person_for(token)
    with pytest.raises(AccountUnusable, match="disabled"):
        await people.accounts.authenticate("nurse.rahimi", PASSWORD, channel=Channel.API)
    assert AccessKind.ROLES_CHANGED in await kinds(people, "nurse.rahimi")
    assert [k for k in await kinds(people, "nurse.rahimi") if k is not AccessKind.SIGN_IN_FAILED][-3:] == [
        AccessKind.ROLES_CHANGED,
        AccessKind.SITES_CHANGED,
        AccessKind.ACCOUNT_DISABLED,
    ]
    assert token.startswith(f"itc_{issued.token_id}_")


async def test_tokens_are_stored_as_digests_expire_and_revoke(people: People) -> None:
    await add_nurse(people)
    token, _ = await people.tokens.issue("nurse.rahimi", label="cli", days=1, actor_id="x", channel=Channel.API)
    stored = await people.pool.fetchval("SELECT secret_hash FROM personal_tokens")
    assert token.split("_", 2)[2] not in stored
    with pytest.raises(TokenRefused):
        await people.tokens.person_for(token[:-1] + ("A" if token[-1] != "A" else "B"))
    await people.pool.execute("UPDATE personal_tokens SET issued_at = issued_at - interval '1 day'")
    await people.pool.execute("UPDATE personal_tokens SET expires_at = issued_at + interval '1 second'")
    with pytest.raises(TokenRefused):
        await people.tokens.person_for(token)
    second, issued2 = await people.tokens.issue("nurse.rahimi", label="cli", days=1, actor_id="x", channel=Channel.API)
    await people.tokens.revoke(issued2.token_id, actor_id="nurse.rahimi", channel=Channel.API)
    with pytest.raises(TokenRefused):
        await people.tokens.person_for(second)
    assert (await kinds(people, "nurse.rahimi"))[-1] is AccessKind.TOKEN_REVOKED


async def test_sessions_end_on_sign_out_and_when_idle_21_cfr_11_300_d(people: People) -> None:
    await add_nurse(people)
    person = await people.accounts.authenticate("nurse.rahimi", PASSWORD, channel=Channel.DASHBOARD)
    first = await people.sessions.start(person)
    assert (await people.sessions.person_for(first)) == person
    await people.sessions.end(first)
    assert await people.sessions.person_for(first) is None
    idle = await people.sessions.start(person)
    await people.pool.execute("UPDATE dashboard_sessions SET last_seen_at = now() - interval '31 minutes'")
    assert await people.sessions.person_for(idle) is None
    log = await kinds(people, "nurse.rahimi")
    assert log[1:] == [AccessKind.SIGNED_IN, AccessKind.SIGNED_OUT, AccessKind.SIGNED_IN]


async def test_access_log_is_append_only_in_every_replication_mode(people: People) -> None:
    """ICH E6(R3) 4.2.2: the access log, like the record, cannot be changed, even by a session
    that skips ordinary triggers (replica mode)."""
    await add_nurse(people)
    async with people.pool.acquire() as conn:
        for mode in ("origin", "replica"):
            await conn.execute(f"SET session_replication_role = {mode}")
            for statement in ("UPDATE access_log SET actor_id = 'x'", "DELETE FROM access_log", "TRUNCATE access_log"):
                with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
                    await conn.execute(statement)
        await conn.execute("SET session_replication_role = origin")


async def test_a_refused_token_is_never_echoed(people: People) -> None:
    await add_nurse(people)
    token, _ = await people.tokens.issue("nurse.rahimi", label="cli", days=1, actor_id="x", channel=Channel.API)
    forged = token[:-4] + "AAAA"
    with pytest.raises(TokenRefused) as caught:
        await people.tokens.person_for(forged)
    assert forged not in caught.value.message and token.split("_", 2)[2] not in caught.value.message
