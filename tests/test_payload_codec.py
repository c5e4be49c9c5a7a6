"""The payload codec and its keyring, with real AES-GCM: round trips, refusals, rotation,
and where keys come from (environment, file, the dev stack's data directory)."""

from __future__ import annotations

import base64
import json
import os
import random
import stat
import zlib
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from structlog.testing import capture_logs
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from typer.testing import CliRunner

from itc.base.settings import Settings
from itc.cli.keys import app as keys_app
from itc.crypto.codec import (
    ENCODING,
    KEY_ID_METADATA,
    NONCE_BYTES,
    REFUSED_PLAINTEXT_ENCODING,
    ZLIB_FORMAT,
    EncryptionCodec,
    PayloadDecompressionError,
    PayloadDecryptionError,
    encrypted_converter,
)
from itc.crypto.compression import MAX_DECOMPRESSED_BYTES, PADDING_BLOCK, compress_padded
from itc.crypto.keyring import (
    DEV_KEYRING_FILE,
    Keyring,
    KeyringError,
    create_dev_keyring,
    parse_keyring,
    read_keyring_file,
    resolve_keyring,
)
from itc.drivers.env_journey import consent_record
from itc.models.inputs import ConsentRecord
from itc.runtime.temporal_client import data_converter

SECRET_TEXT = b'{"reason":"moved to Tabriz to live with her sister"}'


def plain_payload(data: bytes = SECRET_TEXT) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=data)


def timeline_payload(entries: int = 60) -> Payload:
    """JSON shaped like a journey's carried state: a timeline of events, each with its own times, actors and notes."""
    rng = random.Random(entries)
    timeline = [
        {
            "sequence": n,
            "type": rng.choice(
                ["follow_up_visit_recorded", "scan_recorded", "adverse_event_recorded", "labs_recorded"]
            ),
            "occurred_at": f"2027-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z",
            "actor_id": f"staff.{rng.choice(['amini', 'haddad', 'rostami', 'karimi'])}",
            "protocol_version": "itc-1.0",
            "details": {"sum_of_diameters_mm": round(rng.uniform(10, 90), 1), "note": f"visit {n}, no new lesions"},
        }
        for n in range(entries)
    ]
    return plain_payload(json.dumps({"participant_id": "ITC-0042", "timeline": timeline}).encode())


def previous_format(keyring: Keyring, payload: Payload) -> Payload:
    """A payload as the codec wrote it before compression: the bare proto encrypted, the key ID as associated data."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(keyring.active_key).encrypt(nonce, payload.SerializeToString(), keyring.active_id.encode())
    return Payload(metadata={"encoding": ENCODING, KEY_ID_METADATA: keyring.active_id.encode()}, data=nonce + sealed)


def sealed_plaintext(keyring: Keyring, plaintext: bytes) -> Payload:
    """Any plaintext, authenticated under the active key: what only a key holder could write."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(keyring.active_key).encrypt(nonce, plaintext, keyring.active_id.encode())
    return Payload(metadata={"encoding": ENCODING, KEY_ID_METADATA: keyring.active_id.encode()}, data=nonce + sealed)


def key_b64(byte: int) -> str:
    return base64.b64encode(bytes([byte]) * 32).decode()


def keyring_json(active: str = "k1", **keys: str) -> str:
    return json.dumps({"active": active, "keys": keys or {"k1": key_b64(1)}})


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No keyring in the environment: each test says where its keys come from."""
    for name in ("ITC_CODEC_KEYS", "ITC_CODEC_KEYS_FILE", "TEMPORAL_ADDRESS", "ITC_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# ---------------------------------------------------------------- the codec


async def test_round_trip_restores_the_payload_and_stores_no_plaintext() -> None:
    codec = EncryptionCodec(Keyring.generate("k2026-11"))
    original = plain_payload()

    [encrypted] = await codec.encode([original])
    [decrypted] = await codec.decode([encrypted])

    assert decrypted == original
    assert encrypted.metadata["encoding"] == ENCODING
    assert encrypted.metadata[KEY_ID_METADATA] == b"k2026-11"
    # Neither the value nor its kind ("json/plain") is visible in what the server stores.
    stored = encrypted.SerializeToString()
    assert b"Tabriz" not in stored and b"json/plain" not in stored


async def test_each_payload_gets_a_fresh_nonce() -> None:
    codec = EncryptionCodec(Keyring.generate())
    first, second = await codec.encode([plain_payload(), plain_payload()])
    assert first.data[:12] != second.data[:12]
    assert first.data != second.data


async def test_payloads_written_before_encryption_pass_through_only_where_replay_opts_in() -> None:
    codec = EncryptionCodec(Keyring.generate(), accept_plaintext=True)
    old = plain_payload()
    assert await codec.decode([old]) == [old]


async def test_an_unencrypted_payload_is_refused_and_no_converter_reads_it() -> None:
    """Issue 12, H2: a client without the payload key sends plaintext; the codec hands the
    converter nothing of it, so the Update is rejected, the signal dropped, the start failed."""
    [refused] = await EncryptionCodec(Keyring.generate()).decode([plain_payload()])
    assert refused.metadata["encoding"] == REFUSED_PLAINTEXT_ENCODING
    assert b"Tabriz" not in refused.SerializeToString()
    with pytest.raises(KeyError, match="refused/unencrypted"):
        pydantic_data_converter.payload_converter.from_payloads([refused], [dict])


async def test_unknown_key_id_is_refused_naming_the_id_not_a_key() -> None:
    writer = Keyring.generate("k-old")
    reader = Keyring.generate("k-new")
    [encrypted] = await EncryptionCodec(writer).encode([plain_payload()])

    with pytest.raises(PayloadDecryptionError) as raised:
        await EncryptionCodec(reader).decode([encrypted])

    message = raised.value.message
    assert "'k-old'" in message and "k-new" in message
    for key in (*writer.keys.values(), *reader.keys.values()):
        assert base64.b64encode(key).decode() not in message and key.hex() not in message


@pytest.mark.parametrize("where", ["nonce", "ciphertext", "tag"])
async def test_tampered_ciphertext_fails_authentication(where: str) -> None:
    codec = EncryptionCodec(Keyring.generate("k1"))
    [encrypted] = await codec.encode([plain_payload()])
    data = bytearray(encrypted.data)
    data[{"nonce": 0, "ciphertext": 20, "tag": -1}[where]] ^= 0x01
    tampered = Payload(metadata=dict(encrypted.metadata), data=bytes(data))

    with pytest.raises(PayloadDecryptionError, match="'k1': it fails authentication"):
        await codec.decode([tampered])


async def test_relabelled_key_id_fails_authentication() -> None:
    # Both keys are in the keyring, but the key ID is bound to the ciphertext as associated data.
    keyring = Keyring("k1", {"k1": bytes([1]) * 32, "k2": bytes([1]) * 32})
    codec = EncryptionCodec(keyring)
    [encrypted] = await codec.encode([plain_payload()])
    relabelled = Payload(metadata={**encrypted.metadata, KEY_ID_METADATA: b"k2"}, data=encrypted.data)

    with pytest.raises(PayloadDecryptionError, match="fails authentication"):
        await codec.decode([relabelled])


async def test_truncated_payload_is_refused() -> None:
    codec = EncryptionCodec(Keyring.generate("k1"))
    [encrypted] = await codec.encode([plain_payload()])
    short = Payload(metadata=dict(encrypted.metadata), data=encrypted.data[:5])
    with pytest.raises(PayloadDecryptionError):
        await codec.decode([short])


async def test_rotation_keeps_old_payloads_readable_and_encrypts_with_the_new_key() -> None:
    before = Keyring.generate("k2026-05")
    [old] = await EncryptionCodec(before).encode([plain_payload(b'"old"')])

    after = before.rotated("k2026-11")
    codec = EncryptionCodec(after)
    [new] = await codec.encode([plain_payload(b'"new"')])

    assert after.active_id == "k2026-11" and after.key_ids == ["k2026-05", "k2026-11"]
    assert after.keys["k2026-05"] == before.keys["k2026-05"]
    assert new.metadata[KEY_ID_METADATA] == b"k2026-11"
    assert [p.data for p in await codec.decode([old, new])] == [b'"old"', b'"new"']
    # The old keyring cannot read what the new key wrote: every reader needs the rotated keyring.
    with pytest.raises(PayloadDecryptionError, match="k2026-11"):
        await EncryptionCodec(before).decode([new])


async def test_rotation_without_activation_only_adds_the_key() -> None:
    before = Keyring.generate("k1")
    staged = before.rotated("k2", activate=False)
    assert staged.active_id == "k1" and staged.key_ids == ["k1", "k2"]
    assert staged.activated("k2").active_id == "k2"
    with pytest.raises(KeyringError, match="no key 'k3'"):
        staged.activated("k3")


# ---------------------------------------------------------------- compression before encryption


@pytest.mark.parametrize("entries", [0, 1, 60, 2_000])
async def test_round_trip_of_small_and_large_payloads(entries: int) -> None:
    codec = EncryptionCodec(Keyring.generate("k1"))
    original = timeline_payload(entries)
    [encrypted] = await codec.encode([original])
    assert await codec.decode([encrypted]) == [original]
    assert b"ITC-0042" not in encrypted.SerializeToString()


async def test_incompressible_and_empty_payloads_round_trip_uncompressed() -> None:
    codec = EncryptionCodec(Keyring.generate("k1"))
    noise = plain_payload(os.urandom(50_000))
    empty = Payload()
    encoded = await codec.encode([noise, empty])
    assert await codec.decode(encoded) == [noise, empty]
    # Stored as before: nonce, the bare proto, tag; compression that does not help is skipped.
    assert [len(p.data) for p in encoded] == [NONCE_BYTES + p.ByteSize() + 16 for p in (noise, empty)]


async def test_a_payload_within_one_block_is_stored_as_compressing_it_would_have_chosen() -> None:
    """Padded to whole blocks, a compressed form is never shorter than a block, so a payload of at
    most one block is sealed uncompressed without trying: the same bytes as trying would give."""
    codec = EncryptionCodec(Keyring.generate("k1"))
    repetitive = [plain_payload(b"a" * size) for size in (0, 1, 100, PADDING_BLOCK - 40)]
    for payload in (*repetitive, plain_payload(os.urandom(PADDING_BLOCK - 40))):
        serialized = payload.SerializeToString()
        assert len(serialized) <= PADDING_BLOCK
        assert len(compress_padded(serialized, header=ZLIB_FORMAT)) >= len(serialized)
        [encrypted] = await codec.encode([payload])
        assert len(encrypted.data) == NONCE_BYTES + len(serialized) + 16
        assert await codec.decode([encrypted]) == [payload]
    # Past a block, a repetitive payload is compressed as before.
    [longer] = await codec.encode([plain_payload(b"a" * PADDING_BLOCK)])
    assert len(longer.data) == NONCE_BYTES + PADDING_BLOCK + 16


async def test_large_json_payload_is_much_smaller_than_before() -> None:
    keyring = Keyring.generate("k1")
    original = timeline_payload(400)
    assert original.ByteSize() > 60_000  # the size of a long follow-up's carried state

    [compressed] = await EncryptionCodec(keyring).encode([original])
    before = previous_format(keyring, original)

    assert compressed.metadata == before.metadata
    assert compressed.ByteSize() * 4 < before.ByteSize(), (compressed.ByteSize(), before.ByteSize())


async def test_compressed_plaintext_is_padded_to_whole_blocks() -> None:
    codec = EncryptionCodec(Keyring.generate("k1"))
    for entries in (5, 60, 400):
        [encrypted] = await codec.encode([timeline_payload(entries)])
        assert (len(encrypted.data) - NONCE_BYTES - 16) % PADDING_BLOCK == 0


@pytest.mark.parametrize("entries", [1, 400])
async def test_payloads_in_the_previous_format_still_decode(entries: int) -> None:
    keyring = Keyring.generate("k2026-05")
    original = timeline_payload(entries)
    old = previous_format(keyring, original)
    assert await EncryptionCodec(keyring.rotated("k2026-11")).decode([old]) == [original]


@pytest.mark.parametrize("flip", [0x01, 0x02, 0xFF])
async def test_tampering_with_the_compression_flag_fails_authentication(flip: int) -> None:
    codec = EncryptionCodec(Keyring.generate("k1"))
    [small, large] = await codec.encode([plain_payload(), timeline_payload(400)])
    # The format prefix is the plaintext's first bytes; GCM's counter mode puts them right after the nonce.
    for encrypted, at in ((small, NONCE_BYTES), (large, NONCE_BYTES), (large, NONCE_BYTES + 1)):
        data = bytearray(encrypted.data)
        data[at] ^= flip
        tampered = Payload(metadata=dict(encrypted.metadata), data=bytes(data))
        with pytest.raises(PayloadDecryptionError, match="'k1': it fails authentication"):
            await codec.decode([tampered])


@pytest.mark.parametrize("where", [NONCE_BYTES + 40, -1])
async def test_tampered_compressed_ciphertext_fails_authentication(where: int) -> None:
    codec = EncryptionCodec(Keyring.generate("k1"))
    [encrypted] = await codec.encode([timeline_payload(400)])
    data = bytearray(encrypted.data)
    data[where] ^= 0x01
    with pytest.raises(PayloadDecryptionError, match="'k1': it fails authentication"):
        await codec.decode([Payload(metadata=dict(encrypted.metadata), data=bytes(data))])


async def test_decompression_bomb_is_refused() -> None:
    keyring = Keyring.generate("k1")
    bomb = zlib.compress(bytes(MAX_DECOMPRESSED_BYTES + 1), 9)
    assert len(bomb) < 10_000
    with pytest.raises(PayloadDecompressionError, match=r"'k1': it inflates past 4,194,304 bytes"):
        await EncryptionCodec(keyring).decode([sealed_plaintext(keyring, ZLIB_FORMAT + bomb)])


async def test_a_payload_of_exactly_the_bound_still_inflates() -> None:
    keyring = Keyring.generate("k1")
    overhead = plain_payload(bytes(MAX_DECOMPRESSED_BYTES)).ByteSize() - MAX_DECOMPRESSED_BYTES
    original = plain_payload(bytes(MAX_DECOMPRESSED_BYTES - overhead))
    assert original.ByteSize() == MAX_DECOMPRESSED_BYTES
    stream = zlib.compress(original.SerializeToString())
    assert await EncryptionCodec(keyring).decode([sealed_plaintext(keyring, ZLIB_FORMAT + stream)]) == [original]


@pytest.mark.parametrize(
    ("plaintext", "expected"),
    [
        (ZLIB_FORMAT + zlib.compress(plain_payload().SerializeToString())[:-3], "its zlib stream is truncated"),
        (ZLIB_FORMAT + b"not zlib at all", "is not a valid zlib stream"),
        (ZLIB_FORMAT + zlib.compress(plain_payload().SerializeToString()) + b"\0\0x", "other than padding"),
    ],
)
async def test_malformed_compressed_plaintext_is_refused(plaintext: bytes, expected: str) -> None:
    keyring = Keyring.generate("k1")
    with pytest.raises(PayloadDecompressionError, match=expected):
        await EncryptionCodec(keyring).decode([sealed_plaintext(keyring, plaintext)])


async def test_unknown_plaintext_format_is_refused_by_name() -> None:
    keyring = Keyring.generate("k1")
    with pytest.raises(PayloadDecryptionError, match=r"format this version does not know \(0007\)"):
        await EncryptionCodec(keyring).decode([sealed_plaintext(keyring, b"\x00\x07" + bytes(300))])


async def test_converter_encrypts_models_end_to_end() -> None:
    consent = consent_record("ITC-0042", date(2026, 1, 5), date_of_birth=date(1961, 7, 23), weight_kg=58.7)
    converter = encrypted_converter(Keyring.generate())

    [payload] = await converter.encode([consent])

    assert b"1961-07-23" not in payload.SerializeToString() and b"58.7" not in payload.SerializeToString()
    assert await converter.decode([payload], [ConsentRecord]) == [consent]
    # A reader without the codec cannot make sense of it.
    with pytest.raises(KeyError, match="Unknown payload encoding binary/encrypted"):
        await pydantic_data_converter.decode([payload], [ConsentRecord])


def test_keyring_repr_shows_no_key() -> None:
    keyring = Keyring.generate("k1")
    assert "k1" in repr(keyring)
    assert keyring.active_key.hex() not in repr(keyring) and str(keyring.active_key) not in repr(keyring)


# ---------------------------------------------------------------- where keys come from


def test_keyring_from_the_environment(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("ITC_CODEC_KEYS", keyring_json("k2", k1=key_b64(1), k2=key_b64(2)))
    clean_env.setenv("ITC_CODEC_KEYS_FILE", str(tmp_path / "ignored.json"))  # the environment wins

    keyring = resolve_keyring(Settings(itc_data_dir=tmp_path))

    assert keyring.active_id == "k2" and keyring.keys["k1"] == bytes([1]) * 32
    assert keyring.source == "ITC_CODEC_KEYS"
    assert "SecretStr('**********')" in repr(Settings()) and key_b64(2) not in repr(Settings())


def test_keyring_from_a_file(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "keys.json"
    path.parent.mkdir()
    path.write_text(keyring_json("k1", k1=key_b64(7)), encoding="utf-8")
    path.chmod(0o600)
    clean_env.setenv("ITC_CODEC_KEYS_FILE", str(path))

    keyring = resolve_keyring(Settings(itc_data_dir=tmp_path))

    assert keyring.active_key == bytes([7]) * 32
    assert str(path) in keyring.source


def test_keyring_file_named_but_missing_is_an_error(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("ITC_CODEC_KEYS_FILE", str(tmp_path / "nope.json"))
    with pytest.raises(KeyringError, match=r"Cannot read the keyring file .*nope.json.*No such file"):
        resolve_keyring(Settings(itc_data_dir=tmp_path), create=True)


def test_world_readable_keyring_file_is_warned_about(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(keyring_json(), encoding="utf-8")
    path.chmod(0o644)
    with capture_logs() as logs:
        read_keyring_file(path)
    assert [entry["event"] for entry in logs if entry["log_level"] == "warning"] == [
        "payload keyring was readable by other users; restricted it"
    ]
    # Tightened, not only warned about (issue 12, L3).
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with capture_logs() as logs:
        read_keyring_file(path)
    assert not [entry for entry in logs if entry["log_level"] == "warning"]


def test_dev_stack_keyring_is_created_once_with_mode_0600(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = Settings(itc_data_dir=tmp_path / "data")
    path = tmp_path / "data" / DEV_KEYRING_FILE

    created = resolve_keyring(settings, create=True)
    again = resolve_keyring(settings, create=True)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert again.keys == created.keys and again.active_id == created.active_id
    # A second process racing to create it takes the first one's key rather than its own.
    assert create_dev_keyring(path).keys == created.keys


def test_embedded_server_gets_a_key_and_a_real_server_requires_one(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = Settings(temporal_address="temporal.example:7233", itc_data_dir=tmp_path)
    with pytest.raises(KeyringError) as raised:
        data_converter(real)
    assert "No payload encryption key is configured" in raised.value.message
    assert "ITC_CODEC_KEYS_FILE" in raised.value.message and "itc keys rotate" in raised.value.message
    assert not (tmp_path / DEV_KEYRING_FILE).exists()

    embedded = data_converter(Settings(temporal_address=None, itc_data_dir=tmp_path))
    assert isinstance(embedded.payload_codec, EncryptionCodec)
    assert (tmp_path / DEV_KEYRING_FILE).exists()
    # Once the data directory holds a keyring, a process pointed at the same server by address uses it.
    by_address = data_converter(real).payload_codec
    assert isinstance(by_address, EncryptionCodec)
    assert by_address.keyring.keys == embedded.payload_codec.keyring.keys


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "is not valid JSON (line 1, column 2"),
        ('["k1"]', "must be a JSON object"),
        (json.dumps({"active": "k1", "keys": {}}), '"keys" must be a non-empty object'),
        (json.dumps({"active": "k1", "keys": {"k1": "not*base64"}}), "key 'k1' is not valid base64"),
        (
            json.dumps({"active": "k1", "keys": {"k1": base64.b64encode(b"x" * 16).decode()}}),
            "key 'k1' is 16 bytes; keys must be 32 bytes (256 bits)",
        ),
        (json.dumps({"active": "k9", "keys": {"k1": key_b64(1)}}), "the active key 'k9' is not among the keys (k1)"),
        (json.dumps({"keys": {"k1": key_b64(1)}}), '"active" must name the key that encrypts'),
        (json.dumps({"active": "bad id", "keys": {"bad id": key_b64(1)}}), "key id 'bad id': use 1-64 letters"),
        (json.dumps({"active": "k1", "keys": {"k1": key_b64(1)}, "activ": "k1"}), "unknown field 'activ'"),
        (json.dumps({"active": "k1", "keys": {"k1": 12}}), "key 'k1' must be a base64 string"),
    ],
)
def test_bad_keyrings_are_refused_by_name(text: str, expected: str) -> None:
    with pytest.raises(KeyringError) as raised:
        parse_keyring(text, "ITC_CODEC_KEYS")
    shown = "\n".join([raised.value.message, *raised.value.lines])
    assert "ITC_CODEC_KEYS" in shown
    assert expected in shown
    assert key_b64(1) not in shown


def test_bad_keyring_stops_the_cli_with_its_problems(clean_env: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(keys_app, ["show"], env={"ITC_CODEC_KEYS": keyring_json("k1", k1="AAAA")})
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "Invalid keyring in ITC_CODEC_KEYS: 1 problem(s)",
        "  key 'k1' is 3 bytes; keys must be 32 bytes (256 bits)",
    ]


# ---------------------------------------------------------------- `itc keys`


def test_keys_rotate_show_and_activate(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "codec-keys.json"
    env = {"ITC_CODEC_KEYS_FILE": str(path), "ITC_DATA_DIR": str(tmp_path / "unused")}
    runner = CliRunner()

    first = runner.invoke(keys_app, ["rotate"], env=env)
    assert first.exit_code == 0, first.output
    one = read_keyring_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    [first_id] = one.key_ids

    staged = runner.invoke(keys_app, ["rotate", "--no-activate"], env=env)
    assert staged.exit_code == 0, staged.output
    two = read_keyring_file(path)
    [second_id] = set(two.key_ids) - {first_id}
    assert two.active_id == first_id and f"itc keys activate {second_id}" in staged.output

    assert runner.invoke(keys_app, ["activate", second_id], env=env).exit_code == 0
    three = runner.invoke(keys_app, ["rotate"], env=env)
    final = read_keyring_file(path)
    [third_id] = set(final.key_ids) - {first_id, second_id}
    assert final.active_id == third_id
    assert {key_id: final.keys[key_id] for key_id in one.key_ids} == dict(one.keys)  # old keys kept, unchanged

    shown = runner.invoke(keys_app, ["show"], env=env)
    assert shown.exit_code == 0
    assert f"Active   {third_id}" in shown.output and first_id in shown.output and second_id in shown.output
    for key in final.keys.values():
        assert base64.b64encode(key).decode() not in shown.output + three.output


def test_keys_rotate_refuses_a_keyring_from_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(keys_app, ["rotate"], env={"ITC_CODEC_KEYS": keyring_json()})
    assert result.exit_code == 2
    assert "comes from ITC_CODEC_KEYS, which this command cannot change" in result.output


def test_keys_rotate_keeps_a_stricter_mode_and_never_a_wider_one(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A read-only keyring stays read-only; group or other access is never carried over (issue 12, L3)."""
    path = tmp_path / "codec-keys.json"
    path.write_text(keyring_json(), encoding="utf-8")
    os.chmod(path, 0o400)  # e.g. made read-only for the container's user
    result = CliRunner().invoke(keys_app, ["rotate"], env={"ITC_CODEC_KEYS_FILE": str(path)})
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o400
    assert len(read_keyring_file(path).key_ids) == 2
