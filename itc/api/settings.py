"""Settings of the dashboard and HTTP API, from the environment like runtime.settings.

ITC_API_TOKENS maps bearer tokens to roles, as a JSON object {"token": "role"} or the path
of a file holding one. Nothing is generated: a server without tokens refuses to start,
and only `itc demo` uses the fixed, publicly known DEMO_TOKENS.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from itc.base.errors import InvalidInput
from itc.base.settings import DEV_HOST
from itc.models.roles import Role

MIN_TOKEN_CHARS = 8

# Published in the README and printed by `itc demo`: they protect nothing.
DEMO_TOKENS: dict[str, Role] = {
    "demo-operations": Role.OPERATIONS,
    "demo-lab": Role.LAB,
    "demo-supervisor": Role.SUPERVISOR,
}


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    itc_api_tokens: str | None = None
    itc_api_host: str = DEV_HOST
    itc_api_port: int = Field(default=8000, ge=0, le=65535)
    # Where staff open a journey in Temporal's UI; the dev server's UI when unset.
    temporal_ui_url: str | None = None
    itc_dashboard_refresh_seconds: int = Field(default=10, ge=1, le=3600)

    @field_validator("itc_api_tokens", "temporal_ui_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def token_roles(self) -> dict[str, Role]:
        if self.itc_api_tokens is None:
            raise InvalidInput(
                "ITC_API_TOKENS is not set: give a JSON object mapping each bearer token to a role "
                '(e.g. {"<token>": "supervisor"}) or the path of a file holding one; '
                f"roles: {', '.join(role.value for role in Role)}"
            )
        return parse_token_roles(self.itc_api_tokens)


def parse_token_roles(source: str) -> dict[str, Role]:
    text = source.strip()
    where = "ITC_API_TOKENS"
    if not text.startswith("{"):
        path = Path(text)
        where = f"ITC_API_TOKENS file {path}"
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as error:
            raise InvalidInput(
                f"Cannot read {where}: {error.strerror or error} "
                "(the value is neither a JSON object nor a readable file)"
            ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"{where} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    if not isinstance(data, dict) or not data:
        raise InvalidInput(f'{where} must be a non-empty JSON object {{"token": "role"}}')
    problems: list[str] = []
    roles: dict[str, Role] = {}
    valid_roles = ", ".join(role.value for role in Role)
    for index, (token, role) in enumerate(data.items(), start=1):
        # Tokens are secrets: problems name the entry's position, never the token.
        if len(token) < MIN_TOKEN_CHARS or any(char.isspace() for char in token):
            problems.append(f"entry {index}: a token needs at least {MIN_TOKEN_CHARS} characters and no spaces")
        elif role not in {r.value for r in Role}:
            problems.append(f"entry {index}: role {role!r} is not one of {valid_roles}")
        else:
            roles[token] = Role(role)
    if problems:
        raise InvalidInput(f"Invalid {where}: {len(problems)} problem(s)", lines=problems)
    return roles
