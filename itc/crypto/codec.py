"""The payload codec: each Temporal payload encrypted whole with AES-256-GCM.

The whole Payload proto (its metadata, e.g. `json/plain`, and its data) is encrypted, so the
server sees neither the values nor what kind of value they are. The key ID goes in clear in
the metadata, so a reader knows which key to use, and is bound to the ciphertext as associated
data, so a payload relabelled with another key's ID fails to authenticate rather than decrypting
under the wrong key.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec

from itc.base.errors import UserFacingError
from itc.crypto.keyring import Keyring

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
# GCM's standard nonce size, random per payload: NIST bounds random nonces at 2^32 messages per
# key, far beyond what a trial writes, and a rotation starts the count again.
NONCE_BYTES = 12


class PayloadDecryptionError(UserFacingError):
    """An encrypted payload this process cannot read: its key is not in our keyring, or it was altered."""

    exit_code = 3


class EncryptionCodec(PayloadCodec):
    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keyring.keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self.keyring.active_id
        # Outside workflow code (the codec runs in the client), so real randomness is right here.
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id.encode()},
            data=nonce + sealed,
        )

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            # Written before encryption was switched on (or a search attribute): already plain.
            return payload
        key_id = payload.metadata.get(KEY_ID_METADATA, b"").decode("utf-8", errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadDecryptionError(
                f"Cannot decrypt a payload: it was encrypted with key {key_id!r}, which is not in this "
                f"process's keyring ({self.keyring.source}: {', '.join(self.keyring.key_ids)}); "
                "add that key to the keyring (rotation keeps old keys for this reason)"
            )
        data = payload.data
        try:
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], key_id.encode())
        except (InvalidTag, ValueError):  # ValueError: too short to hold a nonce and a tag
            raise PayloadDecryptionError(
                f"Cannot decrypt a payload labelled with key {key_id!r}: it fails authentication, "
                "so it was altered or encrypted with a different key of the same ID"
            ) from None
        return Payload.FromString(plain)


def encrypted_converter(keyring: Keyring, base: DataConverter = pydantic_data_converter) -> DataConverter:
    """The project's data converter (pydantic) with every payload encrypted under `keyring`."""
    return dataclasses.replace(base, payload_codec=EncryptionCodec(keyring))
