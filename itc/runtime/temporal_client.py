"""Connecting to Temporal with the pydantic converter, payload encryption and the configured
TLS credentials and API key, and registering our search attributes."""

from __future__ import annotations

import asyncio

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import HeaderCodecBehavior, SearchAttributeIndexedValueType
from temporalio.converter import DataConverter
from temporalio.service import RPCError, RPCStatusCode

from itc.base.errors import TemporalUnreachable
from itc.base.logging import get_logger
from itc.base.settings import Settings
from itc.crypto.codec import encrypted_converter
from itc.crypto.engine_keys import IDENTITY_KEYS, resolve_engine_keyring
from itc.crypto.keyring import resolve_keyring
from itc.runtime.client_trust import AssertionSigningInterceptor
from itc.runtime.temporal_tls import temporal_credentials
from workflows.search_attributes import ALL_KEYS

log = get_logger(__name__)

CONNECT_TIMEOUT_SECONDS = 10.0


def unreachable_message(address: str, *, tls: bool = False) -> str:
    if tls:
        # A refused handshake looks the same as a server that is down; point at both.
        return (
            f"Cannot reach Temporal at {address} over TLS — is the server up, and do its certificate and "
            "the TEMPORAL_TLS_* settings (client certificate, server CA, server name) belong together?"
        )
    return f"Cannot reach Temporal at {address} — is `itc dev` running?"


def data_converter(settings: Settings) -> DataConverter:
    """The pydantic converter with every payload encrypted under the configured keyring.

    Only the embedded dev server (no TEMPORAL_ADDRESS) gets a key made for it: anywhere else a
    missing keyring is a configuration error, never a reason to write PHI in clear.
    """
    return encrypted_converter(resolve_keyring(settings, create=settings.temporal_address is None))


async def connect(settings: Settings, *, address: str | None = None) -> Client:
    address = address or settings.effective_temporal_address
    converter = data_converter(settings)
    credentials = temporal_credentials(settings)
    try:
        return await asyncio.wait_for(
            Client.connect(
                address,
                namespace=settings.temporal_namespace,
                data_converter=converter,
                tls=credentials.tls,
                api_key=credentials.api_key,
                # Every Update carries the sender's signed actor assertion in its header, which
                # the codec encrypts like any payload.
                interceptors=[AssertionSigningInterceptor(lambda: resolve_engine_keyring(settings, IDENTITY_KEYS))],
                header_codec_behavior=HeaderCodecBehavior.CODEC,
            ),
            timeout=CONNECT_TIMEOUT_SECONDS,
        )
    except (TimeoutError, RuntimeError, OSError) as error:
        # The SDK reports every transport failure as RuntimeError("Failed client connect: ...").
        raise TemporalUnreachable(unreachable_message(address, tls=credentials.uses_tls)) from error


def _indexed_value_type(key_type: SearchAttributeIndexedValueType) -> IndexedValueType.ValueType:
    return IndexedValueType.ValueType(int(key_type))


async def ensure_search_attributes(client: Client, namespace: str) -> list[str]:
    """Register any missing journey search attributes; returns the names it added.

    Safe to call on every worker start and against any server: the time-skipping test
    server cannot list attributes, and a concurrent worker may add one first, so an
    "already exists" answer is success.
    """
    wanted = {key.name: _indexed_value_type(key.indexed_value_type) for key in ALL_KEYS}
    try:
        listing = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
        missing = {name: kind for name, kind in wanted.items() if name not in listing.custom_attributes}
    except RPCError as error:
        if error.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        missing = dict(wanted)

    added = []
    for name, kind in missing.items():
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(namespace=namespace, search_attributes={name: kind})
            )
            added.append(name)
        except RPCError as error:
            if error.status != RPCStatusCode.ALREADY_EXISTS:
                raise
    if added:
        log.info("search attributes registered", names=added, namespace=namespace)
    return added
