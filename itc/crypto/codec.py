"""The payload codec: each Temporal payload compressed when that helps, then encrypted whole with AES-256-GCM.

The whole Payload proto (its metadata, e.g. `json/plain`, and its data) is encrypted, so the
server sees neither the values nor what kind of value they are. The key ID goes in clear in
the metadata, so a reader knows which key to use, and is bound to the ciphertext as associated
data, so a payload relabelled with another key's ID fails to authenticate rather than decrypting
under the wrong key.

A payload that zlib makes smaller (the journey state carried by continue-as-new is the big one)
is compressed before encryption. What the plaintext holds is said by its first bytes, inside the
ciphertext, so the flag is authenticated with the rest and the server cannot tell compressed
from not: a serialized Payload proto never starts with a zero byte (field number 0 does not
exist), so FORMAT_MARKER followed by a format byte introduces the compressed form, and any
other plaintext is a bare proto, as every payload written before compression was.

A payload that is not encrypted is refused: anyone who reaches Temporal's port could
otherwise start, update or signal a workflow without the key. Refusing means decoding it to
a payload of the `refused/unencrypted` encoding, which no converter reads, rather than
raising: a workflow activation whose decoding raises fails as a whole and, for a signal kept
in history, on every retry, so one plaintext signal could stall a journey for good. Decoded
so, the SDK rejects such an Update, drops such a signal (logging why) and fails such a start,
each with the encoding named. Only the replay of histories recorded before encryption opts in
to reading plaintext (`accept_plaintext`), as does the codec server, which only shows what
is stored.
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
from itc.crypto.compression import PADDING_BLOCK, CompressedPayloadError, compress_padded, decompress_bounded
from itc.crypto.keyring import Keyring

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
# GCM's standard nonce size, random per payload: NIST bounds random nonces at 2^32 messages per
# key, far beyond what a trial writes, and a rotation starts the count again.
NONCE_BYTES = 12
FORMAT_MARKER = b"\x00"
ZLIB_FORMAT = FORMAT_MARKER + b"\x01"
REFUSED_PLAINTEXT_ENCODING = b"refused/unencrypted"
PLAINTEXT_REFUSED = (
    "Refused an unencrypted payload: every payload must be encrypted with the engine's payload key "
    "(a client without the key cannot start, update or signal a workflow)"
)


class PayloadDecryptionError(UserFacingError):
    """An encrypted payload this process cannot read: its key is not in our keyring, or it was altered."""

    exit_code = 3


class PayloadDecompressionError(PayloadDecryptionError):
    """An authenticated compressed payload that inflates past the bound or is not a whole zlib stream."""


class EncryptionCodec(PayloadCodec):
    def __init__(self, keyring: Keyring, *, accept_plaintext: bool = False) -> None:
        self.keyring = keyring
        self.accept_plaintext = accept_plaintext
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keyring.keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self.keyring.active_id
        serialized = payload.SerializeToString()
        plain = serialized
        # Padded, the compressed form is never shorter than one block: a payload within a block
        # (most Update headers and activity results) would only pay for compressing in vain.
        if len(serialized) > PADDING_BLOCK:
            compressed = compress_padded(serialized, header=ZLIB_FORMAT)
            plain = compressed if len(compressed) < len(serialized) else serialized
        # Outside workflow code (the codec runs in the client), so real randomness is right here.
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, plain, key_id.encode())
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id.encode()},
            data=nonce + sealed,
        )

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            if self.accept_plaintext:
                return payload  # a history recorded before encryption, being replayed or shown
            return refused_plaintext(payload)
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
        return Payload.FromString(self._unframed(plain, key_id))

    @staticmethod
    def _unframed(plain: bytes, key_id: str) -> bytes:
        """The serialized Payload inside an authenticated plaintext, inflated if it was compressed."""
        if not plain.startswith(FORMAT_MARKER):
            return plain
        if not plain.startswith(ZLIB_FORMAT):
            raise PayloadDecryptionError(
                f"Cannot read a payload encrypted with key {key_id!r}: it authenticates but is in a format "
                f"this version does not know ({plain[: len(ZLIB_FORMAT)].hex()}); a newer version wrote it"
            )
        try:
            return decompress_bounded(plain[len(ZLIB_FORMAT) :])
        except CompressedPayloadError as error:
            raise PayloadDecompressionError(f"Refusing a payload encrypted with key {key_id!r}: {error}") from None


def refused_plaintext(payload: Payload) -> Payload:
    """What an unencrypted payload decodes to: nothing of its content, and a reason."""
    encoding = payload.metadata.get("encoding", b"").decode("utf-8", errors="replace")[:64]
    return Payload(
        metadata={"encoding": REFUSED_PLAINTEXT_ENCODING, "refused": PLAINTEXT_REFUSED.encode()},
        data=f"refused payload of encoding {encoding!r}".encode(),
    )


def encrypted_converter(
    keyring: Keyring, base: DataConverter = pydantic_data_converter, *, accept_plaintext: bool = False
) -> DataConverter:
    """The project's data converter (pydantic) with every payload encrypted under `keyring`;
    unencrypted payloads are refused unless `accept_plaintext` (replaying legacy histories only)."""
    return dataclasses.replace(base, payload_codec=EncryptionCodec(keyring, accept_plaintext=accept_plaintext))
