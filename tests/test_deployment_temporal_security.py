"""The compose stack's Temporal is locked down: mutual TLS on the frontend and between the server's
own services, and the authorizer with the JWT claim mapper, so only the worker and the API may use
the namespace. Checked without Docker, like tests/test_deployment_compose.py: the environment the
server image's built-in config template reads is rendered into the `global.tls` and
`global.authorization` keys it sets (temporalio/temporal, common/config/config_template_embedded.yaml;
Temporal's server security docs, "Encryption of network traffic" and "Authorization"), and the
try-out credentials script is run to show that the worker's compose settings build a client with
a certificate the server's client CA signed and a token the server's key set verifies.
"""

from __future__ import annotations

import base64
import copy
import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from temporalio.service import TLSConfig
from test_deployment_compose import (
    NAMESPACE_JOB,
    REPO,
    SERVER,
    WORKER,
    _script,
    _services,
    environment,
    interpolate,
    load_compose,
)

from itc.base.settings import Settings
from itc.runtime.temporal_tls import temporal_credentials

SCRIPT = REPO / "deploy" / "temporal" / "make_local_credentials.py"
SECRETS_DIR = "/run/secrets/"
API = "api"
UI = "temporal-ui"
JWKS_SERVICE = "temporal-jwks"
# Every service that calls the Temporal frontend, and how each presents its token.
ENGINE_CALLERS = (WORKER, API)
CLI_CALLERS = (NAMESPACE_JOB,)
CLIENT_TLS_VARIABLES = (
    "TEMPORAL_TLS_CLIENT_CERT_PATH",
    "TEMPORAL_TLS_CLIENT_KEY_PATH",
    "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
    "TEMPORAL_TLS_SERVER_NAME",
)
UI_TLS_VARIABLES = ("TEMPORAL_TLS_CA", "TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY", "TEMPORAL_TLS_SERVER_NAME")


# --------------------------------------------------------------------------------------------
# What the server image's config template makes of its environment
# --------------------------------------------------------------------------------------------


def _flag(value: str | None) -> bool:
    return (value or "false").lower() == "true"


def rendered_security_config(env: dict[str, str]) -> dict[str, Any]:
    """The `global.tls` and `global.authorization` sections the embedded template renders from `env`,
    following its variable-to-key mapping (empty lists where the template leaves a list out)."""
    client_cas = [env[name] for name in ("TEMPORAL_TLS_CLIENT1_CA_CERT", "TEMPORAL_TLS_CLIENT2_CA_CERT") if name in env]
    server_ca = [env["TEMPORAL_TLS_SERVER_CA_CERT"]] if env.get("TEMPORAL_TLS_SERVER_CA_CERT") else []
    require = _flag(env.get("TEMPORAL_TLS_REQUIRE_CLIENT_AUTH"))
    key_sources = [env[name] for name in ("TEMPORAL_JWT_KEY_SOURCE1", "TEMPORAL_JWT_KEY_SOURCE2") if env.get(name)]
    return {
        "tls": {
            "internode": {
                "server": {
                    "requireClientAuth": require,
                    "certFile": env.get("TEMPORAL_TLS_SERVER_CERT", ""),
                    "keyFile": env.get("TEMPORAL_TLS_SERVER_KEY", ""),
                    "clientCaFiles": server_ca,
                },
                "client": {"serverName": env.get("TEMPORAL_TLS_INTERNODE_SERVER_NAME", ""), "rootCaFiles": server_ca},
            },
            "frontend": {
                "server": {
                    "requireClientAuth": require,
                    "certFile": env.get("TEMPORAL_TLS_FRONTEND_CERT", ""),
                    "keyFile": env.get("TEMPORAL_TLS_FRONTEND_KEY", ""),
                    "clientCaFiles": client_cas if env.get("TEMPORAL_TLS_CLIENT1_CA_CERT") else [],
                },
                "client": {"serverName": env.get("TEMPORAL_TLS_FRONTEND_SERVER_NAME", ""), "rootCaFiles": server_ca},
            },
        },
        "authorization": {
            "jwtKeyProvider": {
                "keySourceURIs": key_sources,
                "refreshInterval": env.get("TEMPORAL_JWT_KEY_REFRESH", "1m"),
            },
            "permissionsClaimName": env.get("TEMPORAL_JWT_PERMISSIONS_CLAIM", "permissions"),
            "authorizer": env.get("TEMPORAL_AUTH_AUTHORIZER", ""),
            "claimMapper": env.get("TEMPORAL_AUTH_CLAIM_MAPPER", ""),
        },
    }


def secret_name(path: str) -> str:
    assert path.startswith(SECRETS_DIR), f"{path} is not a mounted secret"
    return path.removeprefix(SECRETS_DIR)


def mounted_secret_problems(doc: dict[str, Any], service: str, paths: list[str]) -> list[str]:
    svc = _services(doc)[service]
    declared = doc.get("secrets") or {}
    problems = []
    for path in paths:
        if not path.startswith(SECRETS_DIR):
            problems.append(f"{service}: {path} is not under {SECRETS_DIR}")
            continue
        name = secret_name(path)
        if name not in (svc.get("secrets") or []):
            problems.append(f"{service}: secret {name} is not mounted")
        if name not in declared:
            problems.append(f"{service}: secret {name} is not declared")
    return problems


def client_tls_problems(doc: dict[str, Any]) -> list[str]:
    """Every service that names TEMPORAL_ADDRESS must present a client certificate and check the server."""
    problems = []
    for name, svc in _services(interpolate(doc)).items():
        env = environment(svc)
        if "TEMPORAL_ADDRESS" not in env:
            continue
        wanted = UI_TLS_VARIABLES if name == UI else CLIENT_TLS_VARIABLES
        missing = [variable for variable in wanted if not env.get(variable)]
        if missing:
            problems.append(f"{name} calls Temporal without {', '.join(missing)}")
            continue
        paths = [env[variable] for variable in wanted if variable != "TEMPORAL_TLS_SERVER_NAME"]
        problems += mounted_secret_problems(doc, name, paths)
    return problems


def authorization_problems(doc: dict[str, Any]) -> list[str]:
    env = environment(_services(interpolate(doc))[SERVER])
    rendered = rendered_security_config(env)
    problems = []
    authorization = rendered["authorization"]
    if authorization["authorizer"] != "default" or authorization["claimMapper"] != "default":
        problems.append(f"authorizer/claimMapper are {authorization['authorizer']!r}/{authorization['claimMapper']!r}")
    if not authorization["jwtKeyProvider"]["keySourceURIs"]:
        problems.append("no JWT key source: no token could ever be verified")
    frontend = rendered["tls"]["frontend"]["server"]
    if not frontend["requireClientAuth"] or not frontend["clientCaFiles"]:
        problems.append("the frontend does not require client certificates from a client CA")
    if not _flag(env.get("USE_INTERNAL_FRONTEND")) or "internal-frontend" not in env.get("SERVICES", "").split(":"):
        # Without it the server's own system workers call the public frontend and are refused.
        problems.append("the internal frontend is not running")
    return problems


# --------------------------------------------------------------------------------------------
# Tests against the real files
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def server_env(compose: dict[str, Any]) -> dict[str, str]:
    return environment(_services(interpolate(compose))[SERVER])


def test_frontend_requires_client_certificates_from_the_client_ca(compose, server_env) -> None:
    """Temporal server security, "Client connections": clientCaFiles with requireClientAuth."""
    tls = rendered_security_config(server_env)["tls"]
    frontend = tls["frontend"]["server"]
    assert frontend["requireClientAuth"] is True
    assert {secret_name(path) for path in frontend["clientCaFiles"]} == {"temporal-client-ca"}
    assert secret_name(frontend["certFile"]) == "temporal-frontend-cert"
    assert secret_name(frontend["keyFile"]) == "temporal-frontend-key"
    # The name every client checks the frontend's certificate against.
    assert tls["frontend"]["client"]["serverName"] == "temporal"
    paths = [frontend["certFile"], frontend["keyFile"], *frontend["clientCaFiles"]]
    assert mounted_secret_problems(interpolate(compose), SERVER, paths) == []


def test_server_services_talk_to_each_other_over_mutual_tls(compose, server_env) -> None:
    """Temporal server security, "Encryption of network traffic": the internode section."""
    internode = rendered_security_config(server_env)["tls"]["internode"]
    assert internode["server"]["requireClientAuth"] is True
    assert [secret_name(path) for path in internode["server"]["clientCaFiles"]] == ["temporal-server-ca"]
    assert internode["client"]["rootCaFiles"] == internode["server"]["clientCaFiles"]
    assert internode["client"]["serverName"] == "temporal"
    paths = [internode["server"]["certFile"], internode["server"]["keyFile"], *internode["server"]["clientCaFiles"]]
    assert mounted_secret_problems(interpolate(compose), SERVER, paths) == []


def test_authorizer_and_jwt_claim_mapper_are_on(compose, server_env) -> None:
    """global.authorization: jwtKeyProvider, permissionsClaimName, authorizer: default, claimMapper: default."""
    assert authorization_problems(compose) == []
    authorization = rendered_security_config(server_env)["authorization"]
    assert authorization["permissionsClaimName"] == "permissions"
    assert authorization["authorizer"] == authorization["claimMapper"] == "default"
    [source] = authorization["jwtKeyProvider"]["keySourceURIs"]
    # The key set is served inside the stack, from the secret the credentials script writes.
    url = urlsplit(source)
    assert url.scheme in {"http", "https"}, "Temporal fetches key sets over HTTP(S) only"
    assert url.hostname == JWKS_SERVICE
    jwks_service = _services(interpolate(compose))[JWKS_SERVICE]
    assert url.path == f"/{secret_name(SECRETS_DIR + 'temporal-jwks')}"
    assert "temporal-jwks" in jwks_service["secrets"]
    command = jwks_service["command"]
    assert command[command.index("--directory") + 1] == SECRETS_DIR.rstrip("/")
    assert str(url.port) in command
    assert _services(compose)[SERVER]["depends_on"][JWKS_SERVICE]["condition"] == "service_healthy"


def test_every_caller_presents_a_client_certificate(compose) -> None:
    assert client_tls_problems(compose) == []
    services = _services(interpolate(compose))
    callers = [name for name, svc in services.items() if "TEMPORAL_ADDRESS" in environment(svc)]
    assert sorted(callers) == sorted([*ENGINE_CALLERS, *CLI_CALLERS, UI])
    # One certificate and key per caller, so one can be revoked without the others.
    keys = {environment(services[name]).get("TEMPORAL_TLS_CLIENT_KEY_PATH") for name in (*ENGINE_CALLERS, *CLI_CALLERS)}
    keys.add(environment(services[UI])["TEMPORAL_TLS_KEY"])
    assert len(keys) == len(callers)


def test_only_the_worker_and_the_api_hold_namespace_tokens(compose) -> None:
    services = _services(interpolate(compose))
    for name in ENGINE_CALLERS:
        env = environment(services[name])
        assert secret_name(env["ITC_TEMPORAL_API_KEY_FILE"]) == f"temporal-{name}-jwt"
        assert mounted_secret_problems(interpolate(compose), name, [env["ITC_TEMPORAL_API_KEY_FILE"]]) == []
    admin = services[NAMESPACE_JOB]
    assert "temporal-admin-jwt" in admin["secrets"]
    assert 'TEMPORAL_API_KEY="$(cat /run/secrets/temporal-admin-jwt)"' in (_script(admin) or "")
    holders = {name for name, svc in services.items() if any(s.endswith("-jwt") for s in svc.get("secrets") or [])}
    assert holders == {*ENGINE_CALLERS, NAMESPACE_JOB}
    for name, svc in services.items():
        assert "TEMPORAL_API_KEY" not in environment(svc), f"{name} carries a token inline"


# --------------------------------------------------------------------------------------------
# The try-out credentials, used through the compose settings
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def credentials(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("deploy-secrets")
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), "--namespace", "default"], check=True)
    return out


def local_paths(compose: dict[str, Any], out: Path) -> dict[str, Path]:
    """Each declared secret's host file, with deploy/secrets/ replaced by the script's output."""
    paths = {}
    for name, secret in (interpolate(compose).get("secrets") or {}).items():
        source = secret["file"]
        assert source.startswith("./deploy/secrets/"), source
        paths[name] = out / source.removeprefix("./deploy/secrets/")
    return paths


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verified_claims(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """RFC 7515 §5.2 for RS256 (RFC 7518 §3.3), against the key the header names."""
    header_part, claims_part, signature = token.split(".")
    header = json.loads(b64url_decode(header_part))
    assert header["alg"] == "RS256"
    [key] = [key for key in jwks["keys"] if key["kid"] == header["kid"]]
    public = rsa.RSAPublicNumbers(
        int.from_bytes(b64url_decode(key["e"]), "big"), int.from_bytes(b64url_decode(key["n"]), "big")
    ).public_key()
    public.verify(
        b64url_decode(signature), f"{header_part}.{claims_part}".encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    return json.loads(b64url_decode(claims_part))


def test_private_material_is_written_0600(compose, credentials: Path) -> None:
    for name, path in local_paths(compose, credentials).items():
        if name.endswith(("-key", "-jwt")):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    assert stat.S_IMODE((credentials / "temporal-jwt" / "signing.key").stat().st_mode) == 0o600


@pytest.mark.parametrize("caller", ENGINE_CALLERS)
def test_compose_settings_connect_the_engine_with_mtls_and_its_token(
    compose, credentials: Path, caller: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller's compose environment, its secrets at the script's files, read by Settings as in the container."""
    local = local_paths(compose, credentials)
    for variable, value in environment(_services(interpolate(compose))[caller]).items():
        monkeypatch.setenv(variable, str(local[secret_name(value)]) if value.startswith(SECRETS_DIR) else value)
    tls_settings = temporal_credentials(Settings())
    assert isinstance(tls_settings.tls, TLSConfig) and tls_settings.tls.client_cert and tls_settings.api_key

    client_cert = x509.load_pem_x509_certificate(tls_settings.tls.client_cert)
    client_ca = x509.load_pem_x509_certificate(local["temporal-client-ca"].read_bytes())
    client_cert.verify_directly_issued_by(client_ca)  # the CA the frontend requires
    assert tls_settings.tls.server_root_ca_cert is not None
    server_ca = x509.load_pem_x509_certificate(tls_settings.tls.server_root_ca_cert)
    frontend = x509.load_pem_x509_certificate(local["temporal-frontend-cert"].read_bytes())
    frontend.verify_directly_issued_by(server_ca)
    names = frontend.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert tls_settings.tls.domain in names.get_values_for_type(x509.DNSName)

    jwks = json.loads(local["temporal-jwks"].read_text())
    claims = verified_claims(tls_settings.api_key, jwks)
    assert claims["permissions"] == ["default:write"]


def test_admin_token_is_system_admin_and_the_ui_has_none(compose, credentials: Path) -> None:
    local = local_paths(compose, credentials)
    jwks = json.loads(local["temporal-jwks"].read_text())
    assert verified_claims(local["temporal-admin-jwt"].read_text(), jwks)["permissions"] == ["temporal-system:admin"]
    assert not (credentials / "temporal-jwt" / "ui.jwt").exists()


def test_internode_certificate_serves_and_authenticates(compose, credentials: Path) -> None:
    local = local_paths(compose, credentials)
    internode = x509.load_pem_x509_certificate(local["temporal-internode-cert"].read_bytes())
    internode.verify_directly_issued_by(x509.load_pem_x509_certificate(local["temporal-server-ca"].read_bytes()))
    usages = internode.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert {usage.dotted_string for usage in usages} == {"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"}


# --------------------------------------------------------------------------------------------
# The checkers catch broken copies
# --------------------------------------------------------------------------------------------


def test_detects_a_caller_without_a_client_certificate(compose) -> None:
    doc = copy.deepcopy(compose)
    del doc["services"][WORKER]["environment"]["TEMPORAL_TLS_CLIENT_KEY_PATH"]
    assert any("worker calls Temporal without TEMPORAL_TLS_CLIENT_KEY_PATH" in p for p in client_tls_problems(doc))
    doc = copy.deepcopy(compose)
    doc["services"][API]["secrets"].remove("temporal-api-cert")
    assert any("temporal-api-cert is not mounted" in p for p in client_tls_problems(doc))


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("TEMPORAL_AUTH_AUTHORIZER", "", "authorizer"),
        ("TEMPORAL_TLS_REQUIRE_CLIENT_AUTH", "false", "client certificates"),
        ("TEMPORAL_JWT_KEY_SOURCE1", "", "no JWT key source"),
        ("SERVICES", "frontend:history:matching:worker", "internal frontend"),
    ],
)
def test_detects_an_unlocked_server(compose, variable: str, value: str, problem: str) -> None:
    doc = copy.deepcopy(compose)
    doc["services"][SERVER]["environment"][variable] = value
    assert any(problem in p for p in authorization_problems(doc))
