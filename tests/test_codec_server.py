"""The codec server on the real dev stack, called by the real `temporal` CLI
(`temporal workflow show --codec-endpoint`) and over HTTP as the Temporal UI calls it."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import typer
from fixtures_devstack import Stack, fresh_participant
from fixtures_devstack import consent as stack_consent
from google.protobuf import json_format
from structlog.testing import capture_logs
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest
from typer.testing import CliRunner

from itc.base.settings import Settings
from itc.cli import main as itc
from itc.cli.codec_server import codec_server
from itc.crypto.codec import ENCODING, EncryptionCodec
from itc.crypto.keyring import resolve_keyring
from itc.crypto.server import (
    SESSION_COOKIE,
    CodecServerError,
    CodecServerSettings,
    create_codec_app,
    new_session,
    serving,
    valid_session,
)
from itc.runtime.devstack import find_temporal_binary
from itc.runtime.journeys import parse_consent, start_journey
from itc.runtime.temporal_client import connect

TOKEN = secrets.token_urlsafe(24)  # per run, like the session keyring
UI_ORIGIN = "http://127.0.0.1:8233"
DATE_OF_BIRTH = "1969-11-17"
WEIGHT = "63.4"


@pytest.fixture(scope="module")
async def codec_url(stack: Stack) -> AsyncIterator[str]:
    app = create_codec_app(EncryptionCodec(resolve_keyring(stack.settings)), TOKEN, [UI_ORIGIN])
    async with serving(app, "127.0.0.1", 0) as url:
        yield url


@pytest.fixture(scope="module")
async def workflow_id(stack: Stack) -> str:
    participant = fresh_participant("CODEC")
    consent = stack_consent(participant, site="SITE-CODEC", actor_id="ops.codec")
    consent.update(date_of_birth=DATE_OF_BIRTH, weight_kg=float(WEIGHT), role="operations")
    client = await connect(stack.settings)
    await start_journey(client, parse_consent(consent), stack.settings.protocol(), stack.settings.task_queue)
    return f"journey-{participant}"


async def temporal_show(stack: Stack, workflow_id: str, *codec: str) -> tuple[int, str]:
    """The real CLI, as a subprocess: the codec server runs on this event loop, so no blocking call."""
    process = await asyncio.create_subprocess_exec(
        find_temporal_binary(), "workflow", "show",
        "--workflow-id", workflow_id,
        "--address", stack.env["TEMPORAL_ADDRESS"],
        "--namespace", stack.settings.temporal_namespace,
        "--output", "json",
        *codec,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, output.decode()


async def start_input(stack: Stack, workflow_id: str) -> dict[str, Any]:
    """The journey's first payload as the server stores it, in the codec protocol's JSON shape."""
    client = await connect(stack.settings)
    raw = await client.workflow_service.get_workflow_execution_history(
        GetWorkflowExecutionHistoryRequest(
            namespace=stack.settings.temporal_namespace, execution=WorkflowExecution(workflow_id=workflow_id)
        )
    )
    payloads = raw.history.events[0].workflow_execution_started_event_attributes.input
    assert payloads.payloads[0].metadata["encoding"] == ENCODING
    return json_format.MessageToDict(payloads)


def decoded_text(body: dict[str, Any]) -> str:
    return "".join(base64.b64decode(payload.get("data", "")).decode() for payload in body["payloads"])


def payload_data(node: Any) -> Iterator[bytes]:
    """The bytes of every payload in `temporal workflow show -o json` output (base64 there)."""
    if isinstance(node, dict):
        if "metadata" in node and isinstance(node.get("data"), str):
            yield base64.b64decode(node["data"])
        for value in node.values():
            yield from payload_data(value)
    elif isinstance(node, list):
        for value in node:
            yield from payload_data(value)


def readable(output: str) -> bytes:
    """All a reader of the output could see: the text itself and every payload's bytes."""
    try:
        parsed = json.loads(output)
    except ValueError:
        parsed = None
    return output.encode() + b"".join(payload_data(parsed))


# ---------------------------------------------------------------- the real `temporal` CLI


async def test_temporal_workflow_show_decrypts_through_the_codec_server(
    stack: Stack, codec_url: str, workflow_id: str
) -> None:
    code, plain = await temporal_show(stack, workflow_id)
    assert code == 0, plain
    assert workflow_id in plain
    assert DATE_OF_BIRTH.encode() not in readable(plain) and f'"weight_kg":{WEIGHT}'.encode() not in readable(plain)

    code, decoded = await temporal_show(
        stack, workflow_id, "--codec-endpoint", codec_url, "--codec-auth", f"Bearer {TOKEN}"
    )
    assert code == 0, decoded
    shown = readable(decoded)
    assert f'"date_of_birth":"{DATE_OF_BIRTH}"'.encode() in shown and f'"weight_kg":{WEIGHT}'.encode() in shown
    assert base64.b64encode(ENCODING).decode() not in decoded  # every payload came back decrypted


@pytest.mark.parametrize("auth", [(), ("--codec-auth", "Bearer not-the-token-at-all")], ids=["no-token", "wrong-token"])
async def test_temporal_workflow_show_without_the_token_shows_no_phi(
    stack: Stack, codec_url: str, workflow_id: str, auth: tuple[str, ...]
) -> None:
    with capture_logs() as logs:
        # The CLI retries a refused decode until its deadline; a short one keeps the test quick.
        code, output = await temporal_show(
            stack, workflow_id, "--codec-endpoint", codec_url, "--command-timeout", "3s", *auth
        )
    assert code != 0
    assert DATE_OF_BIRTH.encode() not in readable(output) and f'"weight_kg":{WEIGHT}'.encode() not in readable(output)
    refusals = [entry for entry in logs if entry["event"] == "codec request refused: no valid token"]
    assert refusals and all(entry["operation"] == "decode" for entry in refusals)


# ---------------------------------------------------------------- over HTTP, as the UI calls it


async def test_decode_needs_the_token(stack: Stack, codec_url: str, workflow_id: str) -> None:
    body = await start_input(stack, workflow_id)
    async with httpx.AsyncClient(base_url=codec_url) as http:
        for headers in ({}, {"Authorization": "Bearer wrong-token-wrong-token"}, {"Authorization": f"Basic {TOKEN}"}):
            refused = await http.post("/decode", json=body, headers=headers)
            assert refused.status_code == 401, headers
            assert refused.headers["www-authenticate"].startswith("Bearer")
            assert DATE_OF_BIRTH not in refused.text

        ok = await http.post(
            "/decode", json=body, headers={"Authorization": f"Bearer {TOKEN}", "X-Namespace": "default"}
        )
        assert ok.status_code == 200, ok.text
        assert DATE_OF_BIRTH in decoded_text(ok.json()) and WEIGHT in decoded_text(ok.json())

        # The namespace-templated endpoint (`--codec-endpoint http://host/{namespace}`) works the same.
        templated = await http.post(
            f"/{stack.settings.temporal_namespace}/decode", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert templated.status_code == 200 and DATE_OF_BIRTH in decoded_text(templated.json())


async def test_encode_then_decode_round_trips(codec_url: str) -> None:
    plain = {
        "payloads": [
            {
                "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
                "data": base64.b64encode(b'"hello"').decode(),
            }
        ]
    }
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=codec_url) as http:
        encoded = (await http.post("/encode", json=plain, headers=auth)).json()
        assert base64.b64decode(encoded["payloads"][0]["metadata"]["encoding"]) == ENCODING
        assert (await http.post("/encode", json=plain)).status_code == 401
        decoded = (await http.post("/decode", json=encoded, headers=auth)).json()
    assert decoded == plain


async def test_bad_bodies_and_unknown_keys_are_named(codec_url: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    foreign = {"payloads": [{"metadata": {
        "encoding": base64.b64encode(ENCODING).decode(),
        "encryption-key-id": base64.b64encode(b"k-elsewhere").decode(),
    }, "data": base64.b64encode(b"x" * 40).decode()}]}  # fmt: skip
    async with httpx.AsyncClient(base_url=codec_url) as http:
        bad = await http.post("/decode", content=b"not json", headers={**auth, "Content-Type": "application/json"})
        unknown = await http.post("/decode", json=foreign, headers=auth)
    assert bad.status_code == 400 and "payloads" in bad.json()["detail"]
    assert unknown.status_code == 422 and "'k-elsewhere'" in unknown.json()["detail"]


async def test_cors_admits_only_the_ui_origin(codec_url: str) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    async with httpx.AsyncClient(base_url=codec_url) as http:
        ui = await http.options("/decode", headers={"Origin": UI_ORIGIN, **preflight})
        other = await http.options("/decode", headers={"Origin": "https://evil.example", **preflight})
        refused = await http.post("/decode", json={"payloads": []}, headers={"Origin": UI_ORIGIN})
    assert ui.status_code == 200
    assert ui.headers["access-control-allow-origin"] == UI_ORIGIN
    assert ui.headers["access-control-allow-credentials"] == "true"
    assert "authorization" in ui.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in other.headers
    # The UI can read a refusal, so it can say why nothing decoded.
    assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == UI_ORIGIN


async def test_browser_sign_in_sets_a_session_cookie(stack: Stack, codec_url: str, workflow_id: str) -> None:
    body = await start_input(stack, workflow_id)
    async with httpx.AsyncClient(base_url=codec_url) as http:
        assert "token" in (await http.get("/sign-in")).text
        wrong = await http.post("/sign-in", data={"token": "guess-guess-guess-guess"})
        assert wrong.status_code == 401 and SESSION_COOKIE not in http.cookies
        right = await http.post("/sign-in", data={"token": TOKEN})
        assert right.status_code == 200 and "Include cross-origin credentials" in right.text
        cookie_header = right.headers["set-cookie"].lower()
        assert "httponly" in cookie_header and "samesite=strict" in cookie_header
        decoded = await http.post("/decode", json=body)  # the cookie, no Authorization header
    assert decoded.status_code == 200 and DATE_OF_BIRTH in decoded_text(decoded.json())
    assert TOKEN not in right.headers["set-cookie"]


def test_sessions_expire_and_are_bound_to_the_token() -> None:
    cookie = new_session(TOKEN, now=1_000_000)
    assert valid_session(cookie, TOKEN, now=1_000_001)
    assert not valid_session(cookie, TOKEN, now=1_000_000 + 9 * 3600)
    assert not valid_session(cookie, "another-token-entirely", now=1_000_001)
    expires, signature = cookie.split(".")
    assert not valid_session(f"{int(expires) + 3600}.{signature}", TOKEN, now=1_000_001)
    assert not valid_session("garbage", TOKEN)


# ---------------------------------------------------------------- refusing to start


def _codec_server_cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(codec_server)
    return app


def test_itc_registers_the_commands() -> None:
    names = {command.name for command in itc.app.registered_commands} | {
        group.name for group in itc.app.registered_groups
    }
    assert {"codec-server", "keys"} <= names


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "needs a token: set ITC_CODEC_SERVER_TOKEN"),
        ({"ITC_CODEC_SERVER_TOKEN": "short"}, "needs at least 16 characters"),
        ({"ITC_CODEC_SERVER_TOKEN": TOKEN, "ITC_CODEC_SERVER_ORIGINS": "*"}, "no '*'"),
        ({"ITC_CODEC_SERVER_TOKEN": TOKEN, "ITC_CODEC_KEYS": ""}, "No payload encryption key is configured"),
    ],
    ids=["no-token", "short-token", "wildcard-origin", "no-keyring"],
)
def test_codec_server_refuses_to_start_misconfigured(
    env: dict[str, str], expected: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "ITC_CODEC_SERVER_TOKEN",
        "ITC_CODEC_SERVER_TOKEN_FILE",
        "ITC_CODEC_SERVER_ORIGINS",
        "TEMPORAL_UI_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(_codec_server_cli(), [], env={"ITC_DATA_DIR": str(tmp_path), **env})
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "codec-keys.json").exists()


def test_token_from_a_file_and_default_origins(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    monkeypatch.delenv("ITC_CODEC_SERVER_TOKEN", raising=False)
    monkeypatch.delenv("ITC_CODEC_SERVER_ORIGINS", raising=False)
    monkeypatch.delenv("TEMPORAL_UI_URL", raising=False)
    monkeypatch.setenv("ITC_CODEC_SERVER_TOKEN_FILE", str(token_file))
    settings = CodecServerSettings()
    assert settings.token() == TOKEN
    assert settings.origins(Settings(dev_ui_port=8233)) == ["http://127.0.0.1:8233", "http://localhost:8233"]
    ui = CodecServerSettings(temporal_ui_url="https://temporal-ui.example.org/namespaces/default")
    assert ui.origins(Settings()) == ["https://temporal-ui.example.org"]
    monkeypatch.setenv("ITC_CODEC_SERVER_TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(CodecServerError, match="Cannot read ITC_CODEC_SERVER_TOKEN_FILE"):
        CodecServerSettings().token()
