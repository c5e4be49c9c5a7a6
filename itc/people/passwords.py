"""Password hashing (argon2id, RFC 9106) and the password policy (NIST SP 800-63B 5.1.1.2:
length over composition rules, and no password that is common or names its holder)."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 128

# The most common choices in breach corpora that pass a length check; a deployment that
# wants a full breached-password list screens against it at account creation.
_COMMON = frozenset(
    {
        "123456789012",
        "password1234",
        "passwordpassword",
        "qwertyuiop12",
        "iloveyou1234",
        "administrator",
        "welcome12345",
        "letmein12345",
        "changeme1234",
        "trustno11234",
    }
)

# argon2-cffi's defaults are argon2id with RFC 9106's second recommended (low-memory) profile.
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified when no account matches, so an unknown person ID takes as long as a wrong
    password. Made on first use: hashing costs tens of milliseconds, and most imports never
    check a password."""
    return _HASHER.hash("not-a-password-of-anyone")


def policy_problems(password: str, person_id: str, full_name: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"a password may have at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if lowered in _COMMON or len(set(password)) <= 2:
        problems.append("that password is too common or repetitive")
    names = [person_id.lower(), *(part.lower() for part in full_name.split() if len(part) >= 4)]
    if any(name and name in lowered for name in names):
        problems.append("a password may not contain the person ID or name")
    return problems


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)
