"""Which keys encrypt and decrypt payloads, and where they come from.

A keyring is JSON: {"active": "<key id>", "keys": {"<key id>": "<base64 of 32 bytes>", ...}}.
The active key encrypts; every listed key decrypts, so histories written before a rotation
still read after it. Sources, the first one set wins:

1. ITC_CODEC_KEYS, the JSON itself (for secret stores that inject environment variables);
2. ITC_CODEC_KEYS_FILE, the path of a file holding it (a mounted secret);
3. <ITC_DATA_DIR>/codec-keys.json, which the embedded dev stack creates on first use.

Key material never appears in a message, a log line or a repr: only key IDs do.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from itc.base.errors import UserFacingError
from itc.base.logging import get_logger
from itc.base.private_files import ensure_private
from itc.base.settings import Settings

log = get_logger(__name__)

KEY_BYTES = 32  # AES-256
DEV_KEYRING_FILE = "codec-keys.json"
# Key IDs travel in every payload's metadata and in error messages, so they stay short and plain.
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
HOW_TO_CONFIGURE = (
    "set ITC_CODEC_KEYS_FILE to a keyring file (create one with "
    "`ITC_CODEC_KEYS_FILE=/path/codec-keys.json itc keys rotate`) or ITC_CODEC_KEYS to the keyring's JSON"
)


class KeyringError(UserFacingError):
    exit_code = 2


@dataclass(frozen=True)
class Keyring:
    active_id: str
    keys: Mapping[str, bytes] = field(repr=False)
    source: str = "memory"  # where it was read from, for messages

    def __post_init__(self) -> None:
        problems = [*_key_problems(self.keys), *_active_problems(self.active_id, self.keys)]
        if problems:
            raise KeyringError(f"Invalid keyring ({self.source}): {len(problems)} problem(s)", lines=problems)

    @property
    def active_key(self) -> bytes:
        return self.keys[self.active_id]

    @property
    def key_ids(self) -> list[str]:
        return sorted(self.keys)

    @classmethod
    def generate(cls, key_id: str | None = None, *, source: str = "memory") -> Keyring:
        key_id = key_id or new_key_id(())
        return cls(key_id, {key_id: secrets.token_bytes(KEY_BYTES)}, source)

    def rotated(self, key_id: str | None = None, *, activate: bool = True) -> Keyring:
        """A new key added (and by default made active); every old key kept for decrypting."""
        key_id = key_id or new_key_id(self.keys)
        if key_id in self.keys:
            raise KeyringError(f"The keyring ({self.source}) already has a key {key_id!r}")
        keys = {**self.keys, key_id: secrets.token_bytes(KEY_BYTES)}
        return Keyring(key_id if activate else self.active_id, keys, self.source)

    def activated(self, key_id: str) -> Keyring:
        if key_id not in self.keys:
            raise KeyringError(
                f"The keyring ({self.source}) has no key {key_id!r}; its keys: {', '.join(self.key_ids)}"
            )
        return Keyring(key_id, self.keys, self.source)

    def to_json(self) -> str:
        keys = {key_id: base64.b64encode(key).decode("ascii") for key_id, key in sorted(self.keys.items())}
        return json.dumps({"active": self.active_id, "keys": keys}, indent=2) + "\n"


def new_key_id(taken: Any) -> str:
    """k<UTC date>-<time>, so IDs sort by age and say when a key was made."""
    base = "k" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    key_id, counter = base, 1
    while key_id in taken:
        counter += 1
        key_id = f"{base}-{counter}"
    return key_id


def _key_problems(keys: Mapping[str, bytes]) -> list[str]:
    problems = []
    if not keys:
        problems.append("it lists no keys")
    for key_id, key in keys.items():
        if not KEY_ID_PATTERN.fullmatch(key_id):
            problems.append(
                f"key id {key_id!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
        if len(key) != KEY_BYTES:
            problems.append(f"key {key_id!r} is {len(key)} bytes; keys must be {KEY_BYTES} bytes (256 bits)")
    return problems


def _active_problems(active_id: object, keys: Mapping[str, object]) -> list[str]:
    if not isinstance(active_id, str) or not active_id:
        return ['"active" must name the key that encrypts']
    if active_id not in keys:
        return [f"the active key {active_id!r} is not among the keys ({', '.join(sorted(keys)) or 'none'})"]
    return []


def parse_keyring(text: str, where: str) -> Keyring:
    """The keyring in `text`, or a KeyringError listing every problem (never a key)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise KeyringError(
            f"{where} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    if not isinstance(data, dict):
        raise KeyringError(
            f'{where} must be a JSON object {{"active": "<key id>", "keys": {{"<key id>": "<base64>"}}}}'
        )
    problems = [
        f'unknown field {name!r} (expected only "active" and "keys")' for name in data if name not in ("active", "keys")
    ]
    raw_keys = data.get("keys")
    keys: dict[str, bytes] = {}
    if not isinstance(raw_keys, dict) or not raw_keys:
        problems.append('"keys" must be a non-empty object mapping each key id to its base64-encoded key')
    else:
        for key_id, encoded in raw_keys.items():
            if not isinstance(encoded, str):
                problems.append(f"key {key_id!r} must be a base64 string")
                continue
            try:
                keys[key_id] = base64.b64decode(encoded.strip(), validate=True)
            except (binascii.Error, ValueError):
                problems.append(f"key {key_id!r} is not valid base64")
    problems += _key_problems(keys) if keys else []
    # Checked against the IDs listed, so a listed key with a bad value is not also reported missing.
    problems += _active_problems(data.get("active"), raw_keys if isinstance(raw_keys, dict) else {})
    if problems:
        raise KeyringError(f"Invalid keyring in {where}: {len(problems)} problem(s)", lines=problems)
    return Keyring(data["active"], keys, where)


def read_keyring_file(path: Path, where: str | None = None) -> Keyring:
    where = where or f"keyring file {path}"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise KeyringError(f"Cannot read the {where}: {error.strerror or error}") from None
    # Tightened to 0600 with a warning, or refused where that is impossible (another user's file, a
    # read-only mount): a key others can read protects nothing.
    ensure_private(path, "payload keyring")
    return parse_keyring(text, where)


def write_keyring_file(path: Path, keyring: Keyring, *, replace: bool) -> None:
    """Write atomically with mode 0600. With replace=False, refuse (FileExistsError) if the file
    appeared meanwhile, so two processes starting at once never hold different keys."""
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = path.stat() if replace and path.exists() else None
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".codec-keys-", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(keyring.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        if previous is not None:
            # Keep the owner the operator set (e.g. the container's user) and a stricter mode (0400),
            # never a wider one: the rotated keyring is at most 0600 whatever the old one was.
            was = stat.S_IMODE(previous.st_mode)
            os.chmod(temporary, was & 0o600)
            if was & ~0o600:
                log.warning(
                    "payload keyring was readable by other users; the rotated one is not",
                    path=str(path),
                    was=f"{was:o}",
                    now=f"{was & 0o600:o}",
                )
            try:
                os.chown(temporary, previous.st_uid, previous.st_gid)
            except PermissionError:
                pass
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def dev_keyring_path(settings: Settings) -> Path:
    return Path(settings.itc_data_dir) / DEV_KEYRING_FILE


def configured_keyring_file(settings: Settings) -> Path:
    """The file `itc keys` manages: ITC_CODEC_KEYS_FILE, or the data directory's."""
    return settings.itc_codec_keys_file or dev_keyring_path(settings)


def resolve_keyring(settings: Settings, *, create: bool = False) -> Keyring:
    """The configured keyring; with `create`, the data directory's one is made if no source
    exists (the embedded dev stack, whose server is local and throwaway)."""
    if settings.itc_codec_keys is not None:
        return parse_keyring(settings.itc_codec_keys.get_secret_value(), "ITC_CODEC_KEYS")
    if settings.itc_codec_keys_file is not None:
        return read_keyring_file(
            settings.itc_codec_keys_file, f"keyring file {settings.itc_codec_keys_file} (ITC_CODEC_KEYS_FILE)"
        )
    path = dev_keyring_path(settings)
    if path.exists() or not create:
        if not path.exists():
            raise KeyringError(f"No payload encryption key is configured (and there is no {path}): {HOW_TO_CONFIGURE}")
        return read_keyring_file(path)
    return create_dev_keyring(path)


def create_dev_keyring(path: Path) -> Keyring:
    keyring = Keyring.generate(source=f"keyring file {path}")
    try:
        write_keyring_file(path, keyring, replace=False)
    except FileExistsError:
        return read_keyring_file(path)  # another process made it first: use theirs
    except OSError as error:
        raise KeyringError(f"Cannot create the keyring file {path}: {error.strerror or error}") from None
    log.info("payload encryption key created", path=str(path), key_id=keyring.active_id)
    return keyring
