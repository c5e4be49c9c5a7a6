"""A throwaway payload-encryption keyring for the whole test session.

Put in the environment as the plugin loads, before any test or fixture builds a client, so
everything the tests start encrypts with it as production does with its configured key: the
test environments, the CLI through CliRunner, `itc dev`'s stack and worker, and child
processes such as the benchmark worker. It lives only in this process and its children.
"""

from __future__ import annotations

import os

import pytest
from temporalio.converter import DataConverter

from itc.crypto.codec import encrypted_converter
from itc.crypto.keyring import Keyring, parse_keyring

# ITC_CODEC_KEYS wins over a developer's own ITC_CODEC_KEYS_FILE; dropping that too keeps a
# real key out of the session altogether.
os.environ["ITC_CODEC_KEYS"] = Keyring.generate(source="test session").to_json()
os.environ.pop("ITC_CODEC_KEYS_FILE", None)
SESSION_KEYRING = parse_keyring(os.environ["ITC_CODEC_KEYS"], "ITC_CODEC_KEYS")
# The engine's identity and signal keys, likewise generated for the session only.
for _variable in ("ITC_IDENTITY_KEYS", "ITC_SIGNAL_KEYS"):
    os.environ[_variable] = Keyring.generate(source="test session").to_json()
    os.environ.pop(f"{_variable}_FILE", None)
SESSION_IDENTITY_KEYS = parse_keyring(os.environ["ITC_IDENTITY_KEYS"], "ITC_IDENTITY_KEYS")
SESSION_SIGNAL_KEYS = parse_keyring(os.environ["ITC_SIGNAL_KEYS"], "ITC_SIGNAL_KEYS")


def session_converter() -> DataConverter:
    return encrypted_converter(SESSION_KEYRING)


@pytest.fixture(scope="session")
def session_keyring() -> Keyring:
    return SESSION_KEYRING
