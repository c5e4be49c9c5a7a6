"""The credentials a process presents to Temporal: TLS (mutual, with a client certificate) and an
API key, from the TEMPORAL_TLS_* and TEMPORAL_API_KEY settings.

The same worker then runs against the embedded dev server (no TLS), a self-hosted cluster with
mutual TLS and the JWT authorizer, or Temporal Cloud (mTLS or an API key). A configuration that
is half there is refused before any connection is tried: a certificate without its key, a key
another user can read, or an API key that would cross the network in clear. Messages name the
setting and the file, never a key.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from temporalio.service import TLSConfig

from itc.base.errors import UserFacingError
from itc.base.logging import get_logger
from itc.base.settings import Settings

log = get_logger(__name__)

CERT_VAR = "TEMPORAL_TLS_CLIENT_CERT_PATH"
KEY_VAR = "TEMPORAL_TLS_CLIENT_KEY_PATH"
CA_VAR = "TEMPORAL_TLS_SERVER_CA_CERT_PATH"
SERVER_NAME_VAR = "TEMPORAL_TLS_SERVER_NAME"
API_KEY_VAR = "TEMPORAL_API_KEY"
API_KEY_FILE_VAR = "ITC_TEMPORAL_API_KEY_FILE"


class TemporalTlsMisconfigured(UserFacingError):
    exit_code = 2


@dataclass(frozen=True)
class TemporalCredentials:
    """What `Client.connect` takes: `tls` is False (plaintext), True (system CAs) or a TLSConfig."""

    tls: bool | TLSConfig = field(repr=False)
    api_key: str | None = field(default=None, repr=False)

    @property
    def uses_tls(self) -> bool:
        return self.tls is not False


def temporal_credentials(settings: Settings) -> TemporalCredentials:
    _refuse_half_configured(settings)
    api_key = _api_key(settings)
    wants_tls = settings.temporal_tls
    if wants_tls is None:
        wants_tls = api_key is not None or any(
            value is not None
            for value in (
                settings.temporal_tls_client_cert_path,
                settings.temporal_tls_server_ca_cert_path,
                settings.temporal_tls_server_name,
            )
        )
    if not wants_tls:
        return TemporalCredentials(tls=False, api_key=None)
    config = _tls_config(settings)
    return TemporalCredentials(tls=config if config is not None else True, api_key=api_key)


def _refuse_half_configured(settings: Settings) -> None:
    problems = []
    cert, key = settings.temporal_tls_client_cert_path, settings.temporal_tls_client_key_path
    if cert is not None and key is None:
        problems.append(f"{CERT_VAR} is set without {KEY_VAR}: a client certificate needs its private key")
    if key is not None and cert is None:
        problems.append(f"{KEY_VAR} is set without {CERT_VAR}: a private key needs its client certificate")
    if settings.temporal_tls_disable_host_verification:
        # Skipping the check would let anyone on the path pose as the frontend and collect every token
        # and payload sent; a certificate issued for another name is fixed by naming that name instead.
        problems.append(
            "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported: the frontend's certificate is always checked; "
            f"set {SERVER_NAME_VAR} to the name on it"
        )
    if settings.temporal_api_key is not None and settings.itc_temporal_api_key_file is not None:
        problems.append(f"both {API_KEY_VAR} and {API_KEY_FILE_VAR} are set: give the API key once")
    if settings.temporal_tls is False:
        named = [
            name
            for name, value in (
                (CERT_VAR, cert),
                (KEY_VAR, key),
                (CA_VAR, settings.temporal_tls_server_ca_cert_path),
                (SERVER_NAME_VAR, settings.temporal_tls_server_name),
            )
            if value is not None
        ]
        if named:
            problems.append(f"TEMPORAL_TLS=false contradicts {', '.join(named)}")
        if settings.temporal_api_key is not None or settings.itc_temporal_api_key_file is not None:
            # A bearer credential on a plaintext connection can be read and replayed by anyone on the path.
            problems.append("TEMPORAL_TLS=false with an API key: the key would be sent in clear")
    if problems:
        # The problems go into the message too: the worker's entry point prints the message alone.
        raise TemporalTlsMisconfigured(
            "The Temporal TLS settings are incomplete or contradictory: " + "; ".join(problems), lines=problems
        )


def _api_key(settings: Settings) -> str | None:
    if settings.temporal_api_key is not None:
        key = settings.temporal_api_key.get_secret_value().strip()
    elif settings.itc_temporal_api_key_file is not None:
        key = _read_secret_file(settings.itc_temporal_api_key_file, API_KEY_FILE_VAR).decode("utf-8").strip()
    else:
        return None
    if not key:
        raise TemporalTlsMisconfigured(f"The Temporal API key ({API_KEY_VAR} or {API_KEY_FILE_VAR}) is empty")
    return key


def _tls_config(settings: Settings) -> TLSConfig | None:
    """None when TLS needs nothing beyond the system's CAs and the address's own host name."""
    ca_path = settings.temporal_tls_server_ca_cert_path
    cert_path, key_path = settings.temporal_tls_client_cert_path, settings.temporal_tls_client_key_path
    if ca_path is None and cert_path is None and settings.temporal_tls_server_name is None:
        return None
    server_ca = _certificates(ca_path, CA_VAR) if ca_path is not None else None
    client_cert = client_key = None
    if cert_path is not None and key_path is not None:
        client_cert = _certificates(cert_path, CERT_VAR)
        client_key = _read_secret_file(key_path, KEY_VAR)
        _refuse_mismatched_pair(client_cert, client_key, cert_path, key_path)
    return TLSConfig(
        server_root_ca_cert=server_ca,
        domain=settings.temporal_tls_server_name,
        client_cert=client_cert,
        client_private_key=client_key,
    )


def _read(path: Path, variable: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise TemporalTlsMisconfigured(f"Cannot read {variable} ({path}): {error.strerror or error}") from None


def _certificates(path: Path, variable: str) -> bytes:
    pem = _read(path, variable)
    try:
        x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise TemporalTlsMisconfigured(f"{variable} ({path}) holds no PEM certificate") from None
    return pem


def _read_secret_file(path: Path, variable: str) -> bytes:
    """A private key or API key: refused if every user may read it, warned about if its group may."""
    content = _read(path, variable)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & stat.S_IRWXO:
        raise TemporalTlsMisconfigured(
            f"{variable} ({path}) is open to every user (mode {mode:04o}); restrict it to its owner (chmod 600)"
        )
    if mode & stat.S_IRWXG:
        # Some secret mounts hand the file to a group the container's user belongs to.
        log.warning("Temporal credential file is open to its group; restrict it (chmod 600)", setting=variable)
    return content


def _refuse_mismatched_pair(cert_pem: bytes, key_pem: bytes, cert_path: Path, key_path: Path) -> None:
    """A key that is not the certificate's fails later as an opaque handshake error; say so now."""
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise TemporalTlsMisconfigured(f"{KEY_VAR} ({key_path}) holds no unencrypted PEM private key") from None
    leaf = x509.load_pem_x509_certificates(cert_pem)[0]
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if leaf.public_key().public_bytes(serialization.Encoding.DER, public) != key.public_key().public_bytes(
        serialization.Encoding.DER, public
    ):
        raise TemporalTlsMisconfigured(
            f"{KEY_VAR} ({key_path}) is not the private key of the certificate in {CERT_VAR} ({cert_path})"
        )
