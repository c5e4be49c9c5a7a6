"""Certificates and tokens for trying the compose stack locally: `python deploy/temporal/make_local_credentials.py`.

Writes into deploy/secrets/ (git-ignored; `--out` elsewhere):

- temporal-tls/: two CAs, the Temporal frontend's and internode certificates (server CA), and one
  client certificate per caller (client CA): the worker, the API, the admin tools, the UI;
- temporal-jwt/: an RSA signing key, the JWKS the Temporal server fetches to check tokens, and one
  RS256 token per caller whose `permissions` claim the server's default claim mapper reads
  (RFC 7519): `<namespace>:write` for the worker and the API, `temporal-system:admin` for the admin
  tools, and none for the UI.

Private keys and tokens are written 0600. This is a try-out PKI with no revocation and no rotation:
in production the certificates come from the operator's CA and the tokens from their identity
provider (see deploy/README.md). Needs only the `cryptography` package the engine already uses.
"""

from __future__ import annotations

import argparse
import base64
import ipaddress
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "secrets"
# The frontend's names: the compose service name for the containers, and localhost for the host.
FRONTEND_NAMES = ("temporal", "localhost", "127.0.0.1")
# The server's own services call each other by the compose service name.
INTERNODE_NAMES = ("temporal",)
SYSTEM_NAMESPACE = "temporal-system"  # the default claim mapper's scope for cluster-wide roles
JWT_KEY_ID = "itc-local-1"


def callers(namespace: str) -> dict[str, list[str]]:
    """Each caller's Temporal permissions; only the worker and the API may use the namespace."""
    return {
        "worker": [f"{namespace}:write"],
        "api": [f"{namespace}:write"],
        "admin": [f"{SYSTEM_NAMESPACE}:admin"],
        "ui": [],
    }


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    days: int,
    *,
    usages: tuple[x509.ObjectIdentifier, ...] = (),
    names: tuple[str, ...] = (),
) -> x509.Certificate:
    now = datetime.now(UTC)
    issuer_name, signing_key = (issuer[0].subject, issuer[1]) if issuer else (_name(subject), key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(
            x509.BasicConstraints(ca=issuer is None, path_length=0 if issuer is None else None), critical=True
        )
    )
    if issuer is None:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _write(path: Path, data: bytes, *, secret: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if secret else 0o644)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64url(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def jwks(key: rsa.RSAPublicKey) -> dict[str, list[dict[str, str]]]:
    """RFC 7517 §5: the key set the server fetches; RFC 7518 §6.3.1 for the RSA members."""
    numbers = key.public_numbers()
    return {
        "keys": [
            {
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": JWT_KEY_ID,
                "n": _int_b64url(numbers.n),
                "e": _int_b64url(numbers.e),
            }
        ]
    }


def sign_token(key: rsa.RSAPrivateKey, subject: str, permissions: list[str], days: int) -> str:
    """An RS256 JWS in compact form (RFC 7515 §7.1) carrying RFC 7519 claims."""
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "kid": JWT_KEY_ID}
    claims = {"sub": subject, "iat": now, "exp": now + days * 86400, "permissions": permissions}
    signing_input = ".".join(_b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims))
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


def make_credentials(out: Path, namespace: str, days: int) -> None:
    tls, jwt = out / "temporal-tls", out / "temporal-jwt"
    server_ca_key, client_ca_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    server_ca = _certificate("iTC Temporal server CA (local try-out)", server_ca_key, None, days)
    client_ca = _certificate("iTC Temporal client CA (local try-out)", client_ca_key, None, days)
    _write(tls / "server-ca.pem", _pem(server_ca), secret=False)
    _write(tls / "client-ca.pem", _pem(client_ca), secret=False)

    server_usage = (ExtendedKeyUsageOID.SERVER_AUTH,)
    # Internode connections are mutual: each service presents this certificate as a client too.
    internode_usage = (ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH)
    for name, usage, names in (
        ("frontend", server_usage, FRONTEND_NAMES),
        ("internode", internode_usage, INTERNODE_NAMES),
    ):
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = _certificate(names[0], key, (server_ca, server_ca_key), days, usages=usage, names=names)
        _write(tls / f"{name}.pem", _pem(certificate), secret=False)
        _write(tls / f"{name}.key", _key_pem(key), secret=True)

    signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _write(jwt / "signing.key", _key_pem(signing_key), secret=True)
    _write(jwt / "jwks.json", json.dumps(jwks(signing_key.public_key()), indent=2).encode(), secret=False)
    for caller, permissions in callers(namespace).items():
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = _certificate(
            f"itc-{caller}", key, (client_ca, client_ca_key), days, usages=(ExtendedKeyUsageOID.CLIENT_AUTH,)
        )
        _write(tls / f"{caller}.pem", _pem(certificate), secret=False)
        _write(tls / f"{caller}.key", _key_pem(key), secret=True)
        if permissions:
            _write(
                jwt / f"{caller}.jwt", sign_token(signing_key, f"itc-{caller}", permissions, days).encode(), secret=True
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="Directory to write into (default: deploy/secrets)"
    )
    parser.add_argument("--namespace", default=os.environ.get("TEMPORAL_NAMESPACE", "default"))
    parser.add_argument("--days", type=int, default=30, help="Validity of certificates and tokens (default: 30)")
    arguments = parser.parse_args()
    make_credentials(arguments.out, arguments.namespace, arguments.days)
    print(f"Wrote the Temporal TLS certificates and tokens for namespace {arguments.namespace!r} to {arguments.out}")


if __name__ == "__main__":
    main()
