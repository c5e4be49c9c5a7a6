"""What the Temporal server stores: a journey's raw history, read by a client without the
codec, holds no date of birth, weight or staff free text; read with the codec, it does (so
the check can fail)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date

import pytest
from google.protobuf.message import Message
from journey_harness import STAFF, MockServices, start_journey, worker_for
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from itc.crypto.codec import ENCODING, KEY_ID_METADATA, EncryptionCodec
from itc.crypto.keyring import Keyring
from itc.models.enums import Stage
from itc.models.inputs import ConsentRecord

# The history is also searched as JSON, where every event time reads "HH:MM:SS.fffZ": a weight
# of 58.7 once matched an event time 58.7 s past a minute (a full run, 2026-12-02). No time has
# more than 59 whole seconds, so a weight of 60 kg or more is found only where it was written.
WEIGHT_KG = 61.3
FREE_TEXT = "Moving to Tabriz to care for her mother; prefers no further calls"
# The date of birth is set against the shared test server's clock, which earlier tests move on
# by years: a fixed year would make her implausibly old at consent, and the consent is refused.


def secrets_of(date_of_birth: date) -> dict[str, bytes]:
    return {
        "date of birth": date_of_birth.isoformat().encode(),
        "weight": str(WEIGHT_KG).encode(),
        "free text": FREE_TEXT.encode(),
    }


def payloads_in(message: Message, path: str = "") -> Iterator[tuple[str, Payload]]:
    """Every Payload anywhere in a proto message, with where it sits."""
    if isinstance(message, Payload):
        yield path, message
        return
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        where = f"{path}.{field.name}" if path else field.name
        if field.message_type.GetOptions().map_entry:
            for key, item in value.items():
                if isinstance(item, Message):
                    yield from payloads_in(item, f"{where}[{key}]")
        elif field.is_repeated:
            for index, item in enumerate(value):
                yield from payloads_in(item, f"{where}[{index}]")
        else:
            yield from payloads_in(value, where)


def found(haystack: bytes, secrets: dict[str, bytes]) -> list[str]:
    return [name for name, needle in secrets.items() if needle in haystack]


def _only_a_patch_id(path: str, payload: Payload) -> bool:
    if not path.startswith("marker_recorded_event_attributes.details[patch-data]"):
        return False
    marker = json.loads(payload.data)
    return set(marker) == {"id", "deprecated"} and re.fullmatch(r"[a-z0-9-]{1,64}", marker["id"]) is not None


async def test_raw_history_holds_no_phi_in_plaintext(workflow_env, task_queue, session_keyring: Keyring) -> None:
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        today = (await workflow_env.get_current_time()).date()
        date_of_birth = date(today.year - 65, 7, 23)
        secrets = secrets_of(date_of_birth)
        j = await start_journey(workflow_env, task_queue, services, date_of_birth=date_of_birth, weight_kg=WEIGHT_KG)
        withdrawal = {"actor_id": STAFF, "withdrawn_at": (await j.now()).isoformat(), "reason": FREE_TEXT}
        await j.update("record_withdrawal", withdrawal)
        result = await j.handle.result()
    assert result.stage is Stage.WITHDRAWN

    # What anyone with access to the server sees: a client with the plain pydantic converter.
    raw_client = await Client.connect(
        workflow_env.client.service_client.config.target_host,
        namespace=workflow_env.client.namespace,
        data_converter=pydantic_data_converter,
    )
    history = await raw_client.get_workflow_handle(j.handle.id).fetch_history()
    raw = b"".join(event.SerializeToString() for event in history.events)
    assert found(raw, secrets) == []
    assert found(history.to_json().encode(), secrets) == []

    payloads = [(path, payload) for event in history.events for path, payload in payloads_in(event)]
    # Search attributes are indexed by the server in clear and never pass the codec: no PHI there.
    encrypted = [(path, payload) for path, payload in payloads if "search_attributes" not in path]
    assert len(encrypted) >= 10, [path for path, _ in encrypted]
    not_encrypted = [(path, payload) for path, payload in encrypted if payload.metadata.get("encoding") != ENCODING]
    # The SDK writes a workflow.patched marker itself, past the codec: it may hold a patch ID and nothing else.
    assert [path for path, payload in not_encrypted if not _only_a_patch_id(path, payload)] == []
    key_ids = {
        payload.metadata[KEY_ID_METADATA].decode()
        for _, payload in encrypted
        if payload.metadata.get("encoding") == ENCODING
    }
    assert key_ids == {session_keyring.active_id}

    # The codec-less reader cannot even decode the consent the journey started with.
    started = history.events[0].workflow_execution_started_event_attributes.input
    with pytest.raises(KeyError, match="Unknown payload encoding binary/encrypted"):
        await pydantic_data_converter.decode(started.payloads, [ConsentRecord])

    # With the keyring the same bytes give the PHI back: the check above is not vacuous.
    decoded = await EncryptionCodec(session_keyring).decode([payload for _, payload in encrypted])
    assert found(b"".join(payload.data for payload in decoded), secrets) == list(secrets)
