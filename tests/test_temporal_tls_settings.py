"""The TEMPORAL_TLS_* and TEMPORAL_API_KEY settings become the TLS config and API key the
Temporal client connects with, and a half-configured or unsafe setup is refused before any
connection is tried. No server here: tests/test_temporal_mtls_proxy.py connects for real."""

from __future__ import annotations

from pathlib import Path

import pytest
from structlog.testing import capture_logs
from temporalio.service import TLSConfig
from tls_certificates import issue, make_ca
from typer.testing import CliRunner

from itc.base.settings import Settings
from itc.cli.main import app
from itc.runtime.temporal_client import connect
from itc.runtime.temporal_tls import TemporalTlsMisconfigured, temporal_credentials


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("pki")
    ca = make_ca("test server CA")
    client_ca = make_ca("test client CA")
    paths: dict[str, Path] = {}
    paths["ca"] = directory / "ca.pem"
    paths["ca"].write_bytes(ca.cert_pem)
    paths["cert"], paths["key"] = issue(client_ca, "itc-worker").write(directory, "client")
    _, paths["other_key"] = issue(client_ca, "someone-else").write(directory, "other")
    return paths


def settings(**values: object) -> Settings:
    return Settings(temporal_address="temporal.example:7233", **values)  # type: ignore[arg-type]


def test_nothing_configured_is_plaintext_for_the_dev_server() -> None:
    credentials = temporal_credentials(settings())
    assert credentials.tls is False and credentials.api_key is None
    assert not credentials.uses_tls


def test_mutual_tls_settings_become_the_clients_tls_config(pki: dict[str, Path]) -> None:
    credentials = temporal_credentials(
        settings(
            temporal_tls_client_cert_path=pki["cert"],
            temporal_tls_client_key_path=pki["key"],
            temporal_tls_server_ca_cert_path=pki["ca"],
            temporal_tls_server_name="temporal.internal",
        )
    )
    assert isinstance(credentials.tls, TLSConfig)
    assert credentials.tls.client_cert == pki["cert"].read_bytes()
    assert credentials.tls.client_private_key == pki["key"].read_bytes()
    assert credentials.tls.server_root_ca_cert == pki["ca"].read_bytes()
    assert credentials.tls.domain == "temporal.internal"
    assert credentials.api_key is None
    # The key stays out of every repr a log line or traceback might show.
    assert "PRIVATE KEY" not in repr(credentials)


def test_settings_are_read_from_temporals_own_environment_variables(
    pki: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEMPORAL_TLS_CLIENT_CERT_PATH", str(pki["cert"]))
    monkeypatch.setenv("TEMPORAL_TLS_CLIENT_KEY_PATH", str(pki["key"]))
    monkeypatch.setenv("TEMPORAL_TLS_SERVER_CA_CERT_PATH", str(pki["ca"]))
    monkeypatch.setenv("TEMPORAL_TLS_SERVER_NAME", "temporal.internal")
    monkeypatch.setenv("TEMPORAL_API_KEY", "a-jwt-or-cloud-key")
    loaded = Settings()
    assert loaded.temporal_tls_client_cert_path == pki["cert"]
    assert loaded.temporal_tls_client_key_path == pki["key"]
    assert loaded.temporal_tls_server_ca_cert_path == pki["ca"]
    assert loaded.temporal_tls_server_name == "temporal.internal"
    assert loaded.temporal_api_key is not None
    assert "a-jwt-or-cloud-key" not in repr(loaded)
    assert temporal_credentials(loaded).api_key == "a-jwt-or-cloud-key"


def test_blank_variables_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TEMPORAL_TLS", "TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_API_KEY", "ITC_TEMPORAL_API_KEY_FILE"):
        monkeypatch.setenv(name, "")
    loaded = Settings()
    assert loaded.temporal_tls is None and loaded.temporal_tls_client_cert_path is None
    assert temporal_credentials(loaded).tls is False


def test_api_key_alone_turns_tls_on_with_the_system_cas() -> None:
    """Temporal Cloud with an API key: TLS against public CAs, no client certificate."""
    credentials = temporal_credentials(settings(temporal_api_key="cloud-key"))
    assert credentials.tls is True and credentials.api_key == "cloud-key"


def test_tls_true_alone_uses_the_system_cas() -> None:
    assert temporal_credentials(settings(temporal_tls=True)).tls is True


def test_api_key_from_a_0600_file(pki: dict[str, Path], tmp_path: Path) -> None:
    key_file = tmp_path / "temporal-api-key"
    key_file.write_text("worker-jwt\n")
    key_file.chmod(0o600)
    credentials = temporal_credentials(settings(itc_temporal_api_key_file=key_file))
    assert credentials.api_key == "worker-jwt" and credentials.tls is True


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"temporal_tls_client_cert_path": "cert"}, ["TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CLIENT_KEY_PATH"]),
        ({"temporal_tls_client_key_path": "key"}, ["TEMPORAL_TLS_CLIENT_KEY_PATH", "TEMPORAL_TLS_CLIENT_CERT_PATH"]),
        ({"temporal_tls": False, "temporal_tls_server_ca_cert_path": "ca"}, ["TEMPORAL_TLS_SERVER_CA_CERT_PATH"]),
        ({"temporal_tls": False, "temporal_api_key": "k"}, ["API key", "in clear"]),
        (
            {"temporal_api_key": "k", "itc_temporal_api_key_file": "f"},
            ["TEMPORAL_API_KEY", "ITC_TEMPORAL_API_KEY_FILE"],
        ),
        (
            {"temporal_tls_disable_host_verification": True},
            ["TEMPORAL_TLS_DISABLE_HOST_VERIFICATION", "TEMPORAL_TLS_SERVER_NAME"],
        ),
    ],
)
def test_half_configured_tls_is_refused_naming_the_settings(
    pki: dict[str, Path], given: dict[str, object], named: list[str]
) -> None:
    values = {name: pki.get(value, value) if isinstance(value, str) else value for name, value in given.items()}
    with pytest.raises(TemporalTlsMisconfigured) as refused:
        temporal_credentials(settings(**values))
    text = " ".join([refused.value.message, *refused.value.lines])
    for name in named:
        assert name in text


def test_a_key_every_user_can_read_is_refused(pki: dict[str, Path], tmp_path: Path) -> None:
    wide = tmp_path / "wide.key"
    wide.write_bytes(pki["key"].read_bytes())
    wide.chmod(0o644)
    with pytest.raises(TemporalTlsMisconfigured, match=r"mode 0644.*chmod 600") as refused:
        temporal_credentials(settings(temporal_tls_client_cert_path=pki["cert"], temporal_tls_client_key_path=wide))
    assert "PRIVATE KEY" not in refused.value.message


def test_an_api_key_file_every_user_can_read_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "temporal-api-key"
    key_file.write_text("worker-jwt")
    key_file.chmod(0o604)
    with pytest.raises(TemporalTlsMisconfigured, match="ITC_TEMPORAL_API_KEY_FILE") as refused:
        temporal_credentials(settings(itc_temporal_api_key_file=key_file))
    assert "worker-jwt" not in refused.value.message


def test_a_group_readable_key_is_accepted(pki: dict[str, Path], tmp_path: Path) -> None:
    # Some secret mounts give the container user's group read access; that is warned about only.
    grouped = tmp_path / "grouped.key"
    grouped.write_bytes(pki["key"].read_bytes())
    grouped.chmod(0o640)
    with capture_logs() as logs:
        credentials = temporal_credentials(
            settings(temporal_tls_client_cert_path=pki["cert"], temporal_tls_client_key_path=grouped)
        )
    assert isinstance(credentials.tls, TLSConfig)
    [warning] = [line for line in logs if line["log_level"] == "warning"]
    assert warning["setting"] == "TEMPORAL_TLS_CLIENT_KEY_PATH" and "chmod 600" in warning["event"]
    assert "PRIVATE KEY" not in str(warning)


def test_a_key_that_is_not_the_certificates_is_refused(pki: dict[str, Path]) -> None:
    with pytest.raises(TemporalTlsMisconfigured, match="is not the private key of the certificate"):
        temporal_credentials(
            settings(temporal_tls_client_cert_path=pki["cert"], temporal_tls_client_key_path=pki["other_key"])
        )


def test_missing_or_non_pem_files_are_refused_naming_the_setting(pki: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(TemporalTlsMisconfigured, match="Cannot read TEMPORAL_TLS_SERVER_CA_CERT_PATH"):
        temporal_credentials(settings(temporal_tls_server_ca_cert_path=tmp_path / "missing.pem"))
    garbage = tmp_path / "ca.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(TemporalTlsMisconfigured, match=r"TEMPORAL_TLS_SERVER_CA_CERT_PATH .* holds no PEM certificate"):
        temporal_credentials(settings(temporal_tls_server_ca_cert_path=garbage))
    not_a_key = tmp_path / "not-a.key"
    not_a_key.write_bytes(pki["cert"].read_bytes())
    not_a_key.chmod(0o600)
    with pytest.raises(TemporalTlsMisconfigured, match=r"TEMPORAL_TLS_CLIENT_KEY_PATH .* holds no unencrypted PEM"):
        temporal_credentials(
            settings(temporal_tls_client_cert_path=pki["cert"], temporal_tls_client_key_path=not_a_key)
        )


async def test_connect_refuses_before_dialling(pki: dict[str, Path]) -> None:
    """The refusal comes from the settings, not from a handshake: nothing listens at the address.
    The payload keyring is the session's (tests/fixtures_codec.py)."""
    with pytest.raises(TemporalTlsMisconfigured) as refused:
        await connect(settings(temporal_tls_client_cert_path=pki["cert"]))
    assert any("TEMPORAL_TLS_CLIENT_KEY_PATH" in line for line in refused.value.lines)
    assert "TEMPORAL_TLS_CLIENT_KEY_PATH" in refused.value.message  # what the worker prints as it exits


def test_the_cli_names_the_missing_setting_and_exits_2(pki: dict[str, Path], tmp_path: Path) -> None:
    """What an operator sees: one readable refusal, the variables named, no traceback, no dialling."""
    env = {
        "TEMPORAL_ADDRESS": "temporal.example:7233",
        "TEMPORAL_TLS_CLIENT_CERT_PATH": str(pki["cert"]),
        "ITC_DATA_DIR": str(tmp_path / "data"),
        "LOG_FORMAT": "json",
    }
    # `itc serve`, a command that dials Temporal itself (staff commands go through its API).
    result = CliRunner().invoke(app, ["serve", "--port", "0"], env=env, catch_exceptions=False)
    assert result.exit_code == TemporalTlsMisconfigured.exit_code == 2
    assert "TEMPORAL_TLS_CLIENT_KEY_PATH" in result.stderr
    assert "Traceback" not in result.output
