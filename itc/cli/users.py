"""`itc users`: accounts, for administrators, through the API with their own token (`itc
login` first). `itc users bootstrap` alone works on the database directly (DATABASE_URL, or
the embedded one): it creates the first administrator, once, and refuses when one exists."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from itc.cli.api_client import call

app = typer.Typer(
    help="Accounts (administrators; through the API, after `itc login`). Roles: operations, lab, supervisor, "
    "investigator, quality, administrator.",
    no_args_is_help=True,
)

Person = Annotated[str, typer.Argument(help="Person ID, e.g. nurse.rahimi.")]
Roles = Annotated[list[str], typer.Option("--role", help="A role; repeat for several (see `itc users --help`).")]
Sites = Annotated[list[str] | None, typer.Option("--site", help="A site; repeat for several. None: every site.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the account as JSON.")]


def _show(person: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(person, indent=2))
        return
    state = "disabled" if person["disabled"] else "locked" if person["locked"] else "active"
    sites = ", ".join(person["sites"]) or "every site"
    typer.echo(
        f"{person['person_id']:<20} {person['full_name']:<28} {', '.join(person['roles']):<28} {sites:<20} {state}"
    )


def _new_password(person_id: str) -> str:
    return str(typer.prompt(f"New password for {person_id}", hide_input=True, confirmation_prompt=True))


@app.command("add")
def add(
    person_id: Person,
    full_name: Annotated[str, typer.Option("--name", help="Full name, as printed on signatures.")],
    roles: Roles,
    sites: Sites = None,
    as_json: AsJson = False,
) -> None:
    """Create an account; the password is asked for (never a command-line argument)."""
    body = {"person_id": person_id, "full_name": full_name, "roles": roles, "sites": sites or [],
            "password": _new_password(person_id)}  # fmt: skip
    _show(call("POST", "/api/people", json_body=body).json(), as_json)


@app.command("list")
def list_people(as_json: AsJson = False) -> None:
    """Every account."""
    people = call("GET", "/api/people").json()
    if as_json:
        typer.echo(json.dumps(people, indent=2))
        return
    for person in people:
        _show(person, False)


@app.command("disable")
def disable(person_id: Person, as_json: AsJson = False) -> None:
    """Disable an account: its tokens and sessions end at once; its records stay attributed to it."""
    _show(call("POST", f"/api/people/{person_id}/disable").json(), as_json)


@app.command("roles")
def roles(person_id: Person, roles: Roles, as_json: AsJson = False) -> None:
    """Replace an account's roles."""
    _show(call("PUT", f"/api/people/{person_id}/roles", json_body={"roles": roles}).json(), as_json)


@app.command("sites")
def sites(person_id: Person, sites: Sites = None, as_json: AsJson = False) -> None:
    """Replace an account's sites (none given: every site)."""
    _show(call("PUT", f"/api/people/{person_id}/sites", json_body={"sites": sites or []}).json(), as_json)


@app.command("reset-password")
def reset_password(person_id: Person, as_json: AsJson = False) -> None:
    """Set a new password (asked for), which also lifts a lockout."""
    body = {"password": _new_password(person_id)}
    _show(call("POST", f"/api/people/{person_id}/password", json_body=body).json(), as_json)


@app.command("bootstrap")
def bootstrap(
    person_id: Person,
    full_name: Annotated[str, typer.Option("--name", help="Full name, as printed on signatures.")],
) -> None:
    """Create the first administrator, directly in the database (DATABASE_URL or the embedded
    one; needs database access, not the API). Refused once any administrator exists. Needs the
    database directly: run it on the operator's machine."""
    from itc.cli.bootstrap import create_first_administrator
    from itc.cli.context import load_settings
    from itc.cli.errors import run_async

    settings = load_settings()
    password = _new_password(person_id)
    run_async(create_first_administrator(settings, person_id, full_name, password))
    typer.echo(f"Administrator {person_id} created; sign in with `itc login --person {person_id}`.")
