"""The codec server: Temporal's remote codec protocol over HTTP, so the Temporal UI and
`temporal workflow show --codec-endpoint` can show decrypted payloads to authorised people.

POST /encode and /decode (also under /{namespace}/, for endpoints templated with the
namespace) take and return {"payloads": [...]} in the proto JSON mapping (bytes as base64).
Every call needs the server's token, either as `Authorization: Bearer <token>` (the CLI's
`--codec-auth`) or as the session cookie that /sign-in sets after the token is typed there:
the browser-side UI cannot attach a bearer token of its own, but sends the cookie when its
codec settings include cross-origin credentials. Payloads, tokens and keys are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response
from google.protobuf import json_format
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from temporalio.api.common.v1 import Payload, Payloads

from itc.base.errors import UserFacingError
from itc.base.http_serving import serving as serve_app
from itc.base.logging import get_logger
from itc.base.settings import DEV_HOST, Settings
from itc.crypto.codec import EncryptionCodec, PayloadDecryptionError

log = get_logger(__name__)

MIN_TOKEN_CHARS = 16
SESSION_COOKIE = "itc_codec_session"
SESSION_SECONDS = 8 * 3600  # one working day; then the token is typed again
Transform = Callable[[Sequence[Payload]], Awaitable[list[Payload]]]


class CodecServerError(UserFacingError):
    exit_code = 2


class CodecServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    itc_codec_server_token: SecretStr | None = None
    # A mounted secret holding the token, for deployments that keep secrets out of the environment.
    itc_codec_server_token_file: Path | None = None
    itc_codec_server_host: str = DEV_HOST
    itc_codec_server_port: int = Field(default=8081, ge=0, le=65535)
    # Comma-separated browser origins allowed to call us (the Temporal UI's); default: the UI
    # at TEMPORAL_UI_URL, else the dev server's UI.
    itc_codec_server_origins: str | None = None
    temporal_ui_url: str | None = None

    @field_validator(
        "itc_codec_server_token",
        "itc_codec_server_token_file",
        "itc_codec_server_origins",
        "temporal_ui_url",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def token(self) -> str:
        if self.itc_codec_server_token is not None:
            token, where = self.itc_codec_server_token.get_secret_value().strip(), "ITC_CODEC_SERVER_TOKEN"
        elif self.itc_codec_server_token_file is not None:
            where = f"ITC_CODEC_SERVER_TOKEN_FILE {self.itc_codec_server_token_file}"
            try:
                token = self.itc_codec_server_token_file.read_text(encoding="utf-8-sig").strip()
            except OSError as error:
                raise CodecServerError(f"Cannot read {where}: {error.strerror or error}") from None
        else:
            raise CodecServerError(
                "The codec server decrypts PHI for whoever calls it, so it needs a token: set "
                "ITC_CODEC_SERVER_TOKEN (or ITC_CODEC_SERVER_TOKEN_FILE) to a secret of at least "
                f"{MIN_TOKEN_CHARS} characters, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        if len(token) < MIN_TOKEN_CHARS or any(char.isspace() for char in token):
            raise CodecServerError(f"The token in {where} needs at least {MIN_TOKEN_CHARS} characters and no spaces")
        return token

    def origins(self, settings: Settings) -> list[str]:
        if self.itc_codec_server_origins:
            found = [
                origin.strip().rstrip("/") for origin in self.itc_codec_server_origins.split(",") if origin.strip()
            ]
        elif self.temporal_ui_url:
            parts = urlsplit(self.temporal_ui_url)
            found = [f"{parts.scheme}://{parts.netloc}"]
        else:
            # A browser sends whichever host name was typed, and the two are different origins.
            found = [settings.ui_url, f"http://localhost:{settings.dev_ui_port}"]
        bad = [
            origin for origin in found if origin == "*" or not urlsplit(origin).scheme or not urlsplit(origin).netloc
        ]
        if bad:
            raise CodecServerError(
                f"ITC_CODEC_SERVER_ORIGINS must list origins such as https://temporal-ui.example.org (no '*'); got {', '.join(bad)}"
            )
        return found


# ---------------------------------------------------------------- sessions for the browser


def _session_signature(token: str, expires: int) -> str:
    return hmac.new(token.encode(), f"itc-codec-session:{expires}".encode(), hashlib.sha256).hexdigest()


def new_session(token: str, now: float | None = None) -> str:
    expires = int(now if now is not None else time.time()) + SESSION_SECONDS
    return f"{expires}.{_session_signature(token, expires)}"


def valid_session(cookie: str, token: str, now: float | None = None) -> bool:
    expires_text, _, signature = cookie.partition(".")
    if not expires_text.isdigit():
        return False
    expires = int(expires_text)
    signed = hmac.compare_digest(signature.encode(), _session_signature(token, expires).encode())
    return signed and expires > (now if now is not None else time.time())


def bearer_matches(header: str | None, token: str) -> bool:
    scheme, _, presented = (header or "").partition(" ")
    # Compared in constant time, so the time taken says nothing about how close a guess came.
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


# ---------------------------------------------------------------- the app

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>iTC codec server</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>iTC codec server</h1>
{body}
</body></html>
"""
_SIGN_IN_FORM = """<p>{message}</p>
<form method="post" action="sign-in">
<label>Codec server token <input type="password" name="token" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>
"""
_SIGNED_IN = """<p>Signed in for {hours} hours on this browser.</p>
<p>In the Temporal UI, open the codec server settings, set the endpoint to
<code>{endpoint}</code> and turn on <em>Include cross-origin credentials</em>.
Use the same host name for the UI and this server (127.0.0.1 or localhost, not one of each).</p>
"""


def create_codec_app(codec: EncryptionCodec, token: str, origins: Sequence[str]) -> FastAPI:
    app = FastAPI(title="iTC payload codec server", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(origins),
        allow_methods=["POST"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace"],
        # The UI's "include cross-origin credentials" sends the session cookie.
        allow_credentials=True,
        max_age=600,
    )

    def authorised(request: Request) -> bool:
        if bearer_matches(request.headers.get("authorization"), token):
            return True
        cookie = request.cookies.get(SESSION_COOKIE)
        return cookie is not None and valid_session(cookie, token)

    async def apply(request: Request, transform: Transform, what: str) -> Response:
        namespace = request.path_params.get("namespace") or request.headers.get("x-namespace")
        if not authorised(request):
            log.warning("codec request refused: no valid token", operation=what, namespace=namespace)
            return JSONResponse(
                {
                    "detail": "Missing or wrong codec server token: send `Authorization: Bearer <token>`, or sign in at /sign-in"
                },
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="itc-codec"'},
            )
        try:
            payloads = json_format.Parse(await request.body(), Payloads())
        except (json_format.ParseError, UnicodeDecodeError) as error:
            return JSONResponse(
                {"detail": f'The body must be {{"payloads": [...]}} in Temporal\'s proto JSON form: {error}'},
                status_code=400,
            )
        try:
            result = await transform(payloads.payloads)
        except PayloadDecryptionError as error:
            log.warning("codec request failed", operation=what, namespace=namespace, error=error.message)
            return JSONResponse({"detail": error.message}, status_code=422)
        log.info("codec request", operation=what, namespace=namespace, payloads=len(result))
        return JSONResponse({"payloads": [json_format.MessageToDict(payload) for payload in result]})

    for prefix in ("", "/{namespace}"):
        app.add_api_route(f"{prefix}/encode", _route(apply, codec.encode, "encode"), methods=["POST"])
        app.add_api_route(f"{prefix}/decode", _route(apply, codec.decode, "decode"), methods=["POST"])

    @app.get("/sign-in", response_class=HTMLResponse)
    async def sign_in_page() -> HTMLResponse:
        return _page(_SIGN_IN_FORM.format(message="Type the codec server token to let this browser decode payloads."))

    @app.post("/sign-in", response_class=HTMLResponse)
    async def sign_in(request: Request) -> HTMLResponse:
        form = await request.form()
        presented = str(form.get("token") or "")
        if not bearer_matches(f"Bearer {presented}", token):
            log.warning("codec sign-in refused")
            return _page(_SIGN_IN_FORM.format(message="That is not the codec server's token."), status_code=401)
        endpoint = str(request.base_url).rstrip("/")
        response = _page(_SIGNED_IN.format(hours=SESSION_SECONDS // 3600, endpoint=html.escape(endpoint)))
        response.set_cookie(
            SESSION_COOKIE,
            new_session(token),
            max_age=SESSION_SECONDS,
            httponly=True,
            # The UI and this server share a site (a host; ports do not count), so Strict still
            # lets the UI's requests carry the cookie while other sites' requests never do.
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        log.info("codec sign-in")
        return response

    return app


def _route(
    apply: Callable[[Request, Transform, str], Awaitable[Response]], transform: Transform, what: str
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await apply(request, transform, what)

    endpoint.__name__ = what
    return endpoint


def _page(body: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(body=body), status_code=status_code)


# ---------------------------------------------------------------- serving


def serving(app: FastAPI, host: str, port: int) -> AbstractAsyncContextManager[str]:
    """Serve the codec server until the block exits; yields its base URL."""
    return serve_app(app, host, port, what="codec server", port_setting="ITC_CODEC_SERVER_PORT")
