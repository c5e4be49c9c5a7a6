"""Process settings, read from the environment (no prefix, so the names match the docs)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from itc.base.protocol_files import load_protocol
from itc.rules.config import DEFAULT_PROTOCOL, ProtocolConfig

DEV_HOST = "127.0.0.1"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    # None means "use the embedded dev stack" (`itc dev`), which listens on the dev ports below.
    temporal_address: str | None = None
    temporal_namespace: str = "default"
    task_queue: str = "itc-journeys"
    # The engine's role (least privilege); `itc migrate` and `itc rebuild-projections` use the
    # owner's URL instead, falling back to DATABASE_URL when a deployment has only one role.
    database_url: str | None = None
    itc_database_owner_url: str | None = None
    itc_data_dir: Path = Path(".itc-data")
    itc_protocol_file: Path | None = None
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "INFO"
    dev_temporal_port: int = 7233
    dev_ui_port: int = 8233
    # The payload encryption keyring (payload_crypto/keyring.py): its JSON, or the path of a
    # file holding it; without either, <ITC_DATA_DIR>/codec-keys.json. Secret, so never echoed.
    itc_codec_keys: SecretStr | None = None
    itc_codec_keys_file: Path | None = None
    # How this process proves itself to a Temporal cluster and checks the cluster's identity
    # (itc/runtime/temporal_tls.py). The names are Temporal's own environment variables, so the
    # `temporal` CLI reads the same ones. A client certificate and key make the connection mutual
    # TLS; the API key is Temporal Cloud's, or the JWT a self-hosted cluster's authorizer checks.
    # TLS is on when any of these is set; TEMPORAL_TLS=true turns it on with the system's CAs alone.
    temporal_tls: bool | None = None
    temporal_tls_client_cert_path: Path | None = None
    temporal_tls_client_key_path: Path | None = None
    temporal_tls_server_ca_cert_path: Path | None = None
    temporal_tls_server_name: str | None = None
    # Read only to be refused: the engine always checks the frontend's certificate.
    temporal_tls_disable_host_verification: bool = False
    temporal_api_key: SecretStr | None = None
    # The API key in a file (a mounted secret) rather than in the environment.
    itc_temporal_api_key_file: Path | None = None
    # Keyrings of the same form (itc/crypto/engine_keys.py): the actor assertions the API signs
    # and the workers check, and the MACs of signals between workflows, which only workers hold.
    itc_identity_keys: SecretStr | None = None
    itc_identity_keys_file: Path | None = None
    itc_signal_keys: SecretStr | None = None
    itc_signal_keys_file: Path | None = None
    # How long after signing a worker still accepts an Update's actor assertion (replay protection).
    itc_assertion_max_age_seconds: int = Field(default=300, ge=30, le=3600)

    @field_validator(
        "temporal_address",
        "database_url",
        "itc_database_owner_url",
        "itc_protocol_file",
        "itc_codec_keys",
        "itc_codec_keys_file",
        "temporal_tls",
        "temporal_tls_client_cert_path",
        "temporal_tls_client_key_path",
        "temporal_tls_server_ca_cert_path",
        "temporal_tls_server_name",
        "temporal_tls_disable_host_verification",
        "temporal_api_key",
        "itc_temporal_api_key_file",
        "itc_identity_keys",
        "itc_identity_keys_file",
        "itc_signal_keys",
        "itc_signal_keys_file",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `export DATABASE_URL=` in a shell script should mean "not set", not "connect to ''".
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @property
    def effective_temporal_address(self) -> str:
        return self.temporal_address or f"{DEV_HOST}:{self.dev_temporal_port}"

    @property
    def owner_database_url(self) -> str | None:
        return self.itc_database_owner_url or self.database_url

    @property
    def ui_url(self) -> str:
        return f"http://{DEV_HOST}:{self.dev_ui_port}"

    def protocol(self) -> ProtocolConfig:
        if self.itc_protocol_file is None:
            return DEFAULT_PROTOCOL
        return load_protocol(self.itc_protocol_file)
