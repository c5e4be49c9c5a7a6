"""The command line's way to the engine: the HTTP API, with the personal token `itc login`
stored. A staff machine needs only this: no Temporal address or certificate, no database, no
payload key; the API and the workers hold those.

Where: ITC_API_URL (default http://127.0.0.1:8000, what `itc serve` and `itc demo` listen on)
and the token file ITC_TOKEN_FILE (default ~/.config/itc/token), written 0600 and refused
when anyone else may read it.

Imports stay light (no Temporal, no FastAPI) so a command through the API answers quickly: one
request per command needs neither connection pooling nor HTTP/2, so it goes through the
standard library's `urllib` rather than `httpx`, whose import (with its command-line extras)
alone took a third of such a command's start-up.
"""

from __future__ import annotations

import json
import os
import stat
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, NoReturn

import typer

from itc.base.errors import REFUSAL_PREFIX

DEFAULT_API_URL = "http://127.0.0.1:8000"
NOT_SIGNED_IN = "Not signed in: run `itc login` first (the token it stores is your own; keep it private)."


def api_url() -> str:
    return os.environ.get("ITC_API_URL", DEFAULT_API_URL).rstrip("/")


def token_file() -> Path:
    configured = os.environ.get("ITC_TOKEN_FILE")
    if configured:
        return Path(configured).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "itc" / "token"


def fail(message: str, lines: list[str] | None = None, code: int = 1) -> NoReturn:
    typer.echo(message, err=True)
    for line in lines or []:
        typer.echo(f"  {line}", err=True)
    raise typer.Exit(code)


def save_token(token: str, person_id: str) -> Path:
    """The token on the first line, whose it is on the second."""
    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Created 0600 from the start: never a moment when the token is readable by others.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(f"{token}\n{person_id}\n")
    path.chmod(0o600)
    return path


def signed_in_person() -> str | None:
    """Whose token is stored, or None when no one has signed in with `itc login`."""
    if not token_file().exists():
        return None
    lines = _token_lines()
    return lines[1] if len(lines) > 1 else None


def load_token() -> str:
    path = token_file()
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        fail(NOT_SIGNED_IN)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        fail(f"{path} may be read by other users: run `chmod 600 {path}` or `itc login` again.")
    return _token_lines()[0]


def _token_lines() -> list[str]:
    return [line.strip() for line in token_file().read_text(encoding="utf-8").splitlines() if line.strip()] or [""]


def forget_token() -> None:
    token_file().unlink(missing_ok=True)


@dataclass(frozen=True)
class ApiResponse:
    status_code: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def reason_phrase(self) -> str:
        try:
            return HTTPStatus(self.status_code).phrase
        except ValueError:
            return str(self.status_code)


def call(method: str, path: str, *, json_body: Any = None, params: dict[str, Any] | None = None,
         token: str | None = None, authenticated: bool = True) -> ApiResponse:  # fmt: skip
    """One request to the API; a refusal becomes its message and a non-zero exit."""
    headers = {"Accept": "application/json"}
    if authenticated:
        headers["Authorization"] = f"Bearer {token or load_token()}"
    data = None
    if json_body is not None:
        data = json.dumps(json_body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    url = api_url() + path + (f"?{urllib.parse.urlencode(params)}" if params else "")
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            response = ApiResponse(answer.status, answer.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as refused:
        response = ApiResponse(refused.code, refused.read().decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        fail(
            f"Cannot reach the API at {api_url()} ({type(reason).__name__}): is `itc dev` or `itc serve` running? Set ITC_API_URL.",
            code=3,
        )
    if response.status_code >= 400:
        fail_from(response)
    return response


def fail_from(response: ApiResponse) -> NoReturn:
    try:
        body = response.json()
        message, lines = str(body.get("detail", response.text)), list(body.get("problems", []))
    except (json.JSONDecodeError, AttributeError):
        message, lines = response.text or response.reason_phrase, []
    if response.status_code == 401 and "itc login" not in message:
        message += " Run `itc login` to sign in again."
    code = (
        2
        if response.status_code == 422 and not _refused_by_journey(message)
        else 3
        if response.status_code >= 500
        else 1
    )
    fail(message, lines, code)


def _refused_by_journey(message: str) -> bool:
    """The API answers 422 both for invalid input and for a journey's refusal; the command line
    keeps them apart (2 invalid, 1 refused), and the engine words every refusal "Rejected: ..."."""
    return message.startswith(REFUSAL_PREFIX)


def record(participant: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Send one staff action through the API; the answer is the journey's `ActionAccepted`."""
    answer: dict[str, Any] = call("POST", f"/api/journeys/{participant}/{action}", json_body=payload).json()
    return answer
