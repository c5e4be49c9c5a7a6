"""`itc access-log`: who signed in, failed, was locked, or changed which account (supervisors
and administrators, through the API)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from itc.cli.api_client import call


def access_log(
    person: Annotated[str | None, typer.Option("--person", help="Entries about or by this person.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind, e.g. sign_in_failed.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="From this UTC time, e.g. 2026-03-01T00:00Z.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many, newest first.")] = 100,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (for a spreadsheet or an inspector).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The access log, newest first."""
    params = {"person": person, "kind": kind, "since": since, "limit": limit, "format": "csv" if as_csv else "json"}
    response = call("GET", "/api/access-log", params={key: value for key, value in params.items() if value is not None})
    if as_csv:
        typer.echo(response.text, nl=False)
        return
    entries = response.json()
    if as_json:
        typer.echo(json.dumps(entries, indent=2))
        return
    for entry in entries:
        detail = ", ".join(f"{key}={value}" for key, value in sorted(entry["detail"].items()))
        about = entry["person_id"] or "-"
        typer.echo(
            f"{entry['occurred_at']}  {entry['kind']:<18} {about:<20} by {entry['actor_id']:<20} {entry['channel']:<9} {detail}"
        )
