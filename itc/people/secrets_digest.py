"""Random secrets handed to a person once, and the digest kept in their place."""

from __future__ import annotations

import hashlib
import secrets


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    # 256 random bits need no slow hash: there is nothing to guess from the digest.
    return hashlib.sha256(secret.encode()).hexdigest()
