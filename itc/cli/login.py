"""`itc login` and `itc logout`: trade your password for a personal API token, kept 0600 in
your own configuration directory, and revoke it again."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from itc.cli.api_client import api_url, call, fail, forget_token, load_token, save_token, token_file


def login(
    person_id: Annotated[str, typer.Option("--person", help="Your person ID, e.g. nurse.rahimi.", prompt="Person ID")],
    totp: Annotated[
        bool, typer.Option("--totp", help="Ask for the authenticator code too (accounts with a second factor).")
    ] = False,
    password_file: Annotated[
        Path | None,
        typer.Option(
            "--password-file",
            metavar="FILE",
            help="Read the password from FILE's first line instead of asking (e.g. the dev stack's sandbox-password).",
        ),
    ] = None,
) -> None:
    """Sign in to the API (ITC_API_URL) with your password; the token is stored for later commands."""
    password = _read_password(password_file) if password_file else typer.prompt("Password", hide_input=True)
    code = typer.prompt("Authenticator code") if totp else None
    body = {"person_id": person_id, "password": password, "totp_code": code, "label": "itc command line"}
    answer = call("POST", "/api/session/token", json_body=body, authenticated=False).json()
    person = answer["person"]
    path = save_token(answer["token"], person["person_id"])
    typer.echo(
        f"Signed in to {api_url()} as {person['full_name']} ({person['person_id']}; {', '.join(person['roles'])})."
    )
    typer.echo(f"Token stored in {path} (0600), valid until {answer['expires_at']}.")


def _read_password(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        fail(f"Cannot read the password file {path}: {error.strerror}", code=2)
    if not lines or not lines[0]:
        fail(f"The password file {path} is empty", code=2)
    return lines[0]


def logout() -> None:
    """Revoke the stored token and forget it."""
    try:
        token = load_token()
    except typer.Exit:
        typer.echo("Not signed in.")
        return
    call("DELETE", "/api/session/token", token=token)
    forget_token()
    typer.echo(f"Signed out; {token_file()} removed.")


def whoami() -> None:
    """Who the stored token belongs to."""
    person = call("GET", "/api/me").json()
    sites = ", ".join(person["sites"]) or "every site"
    typer.echo(f"{person['full_name']} ({person['person_id']}): {', '.join(person['roles'])}; {sites}")
