"""The engine's other two keyrings, beside the payload keyring and of the same form.

- Identity keys sign the actor assertion the API attaches to every Update and the workers
  check (`itc.crypto.assertions`); the API and the workers hold them (and, until the CLI talks
  to the API, the CLI of an operator's own stack).
- Signal keys authenticate the signals workflows send each other (a journey's DLT outcome and
  SAE clocks to the trial, the trial's pause to each journey); only workers hold them.

Each is read like the payload keyring: the JSON in an environment variable, else a file it
names, else a file in the data directory that the embedded dev stack creates (0600). Rotation
keeps old keys by ID, so what they signed still verifies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from itc.base.logging import get_logger
from itc.base.settings import Settings
from itc.crypto.keyring import Keyring, KeyringError, parse_keyring, read_keyring_file, write_keyring_file

log = get_logger(__name__)


@dataclass(frozen=True)
class KeyringKind:
    purpose: str
    json_setting: str
    file_setting: str
    dev_file: str

    @property
    def how_to_configure(self) -> str:
        return (
            f"set {self.file_setting.upper()} to a keyring file or {self.json_setting.upper()} to the keyring's JSON "
            '({"active": "<key id>", "keys": {"<key id>": "<base64 of 32 bytes>"}})'
        )


IDENTITY_KEYS = KeyringKind("actor assertion", "itc_identity_keys", "itc_identity_keys_file", "identity-keys.json")
SIGNAL_KEYS = KeyringKind("workflow signal", "itc_signal_keys", "itc_signal_keys_file", "signal-keys.json")


@dataclass(frozen=True)
class EngineKeys:
    identity: Keyring
    signals: Keyring


def resolve_engine_keyring(settings: Settings, kind: KeyringKind, *, create: bool | None = None) -> Keyring:
    """The configured keyring of `kind`; the embedded dev stack (no TEMPORAL_ADDRESS) makes one
    in its data directory on first use, anywhere else a missing keyring is an error."""
    create = settings.temporal_address is None if create is None else create
    secret = getattr(settings, kind.json_setting)
    if secret is not None:
        return parse_keyring(secret.get_secret_value(), kind.json_setting.upper())
    configured: Path | None = getattr(settings, kind.file_setting)
    if configured is not None:
        return read_keyring_file(configured, f"{kind.purpose} keyring file {configured} ({kind.file_setting.upper()})")
    path = Path(settings.itc_data_dir) / kind.dev_file
    if path.exists():
        return read_keyring_file(path, f"{kind.purpose} keyring file {path}")
    if not create:
        raise KeyringError(f"No {kind.purpose} key is configured (and there is no {path}): {kind.how_to_configure}")
    keyring = Keyring.generate(source=f"{kind.purpose} keyring file {path}")
    try:
        write_keyring_file(path, keyring, replace=False)  # mode 0600
    except FileExistsError:
        return read_keyring_file(path)  # another process of the stack made it first
    except OSError as error:
        raise KeyringError(f"Cannot create the {kind.purpose} keyring file {path}: {error.strerror or error}") from None
    log.info("key created", purpose=kind.purpose, path=str(path), key_id=keyring.active_id)
    return keyring


def resolve_engine_keys(settings: Settings) -> EngineKeys:
    """What a worker holds: both keyrings."""
    return EngineKeys(
        identity=resolve_engine_keyring(settings, IDENTITY_KEYS),
        signals=resolve_engine_keyring(settings, SIGNAL_KEYS),
    )
