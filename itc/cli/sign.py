"""`itc sign event|trial-decision`: sign a stored record through the API by re-entering your
password at the moment of signing (21 CFR 11.200(a)); the signature's manifestation is printed
as every view of the record shows it."""

from __future__ import annotations

from typing import Annotated

import typer

from itc.cli.api_client import call

app = typer.Typer(help="Sign a record electronically (your password again, at the moment of signing).",
                  no_args_is_help=True)  # fmt: skip
Totp = Annotated[
    bool, typer.Option("--totp", help="Ask for the authenticator code too (accounts with a second factor).")
]


def _credentials(totp: bool) -> dict[str, str | None]:
    password = typer.prompt("Password (to sign)", hide_input=True)
    return {"password": password, "totp_code": typer.prompt("Authenticator code") if totp else None}


@app.command("event")
def sign_event(
    participant: Annotated[str, typer.Argument(help="Study ID, e.g. ITC-007.")],
    sequence: Annotated[int, typer.Argument(min=1, help="The event's sequence number, as `itc audit` lists it.")],
    totp: Totp = False,
) -> None:
    """Sign an event of a participant's record (the recorder signs; a second person verifies)."""
    view = call("POST", f"/api/journeys/{participant}/events/{sequence}/signature", json_body=_credentials(totp))
    typer.echo(view.json()["manifestation"])


@app.command("trial-decision")
def sign_trial_decision(
    sequence: Annotated[int, typer.Argument(min=1, help="The decision's number, as `itc trial status` lists it.")],
    totp: Totp = False,
) -> None:
    """Sign a trial decision, such as a resume after a safety pause (supervisors)."""
    view = call("POST", f"/api/trial/decisions/{sequence}/signature", json_body=_credentials(totp))
    typer.echo(view.json()["manifestation"])
