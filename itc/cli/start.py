"""`itc start` (also `python starter.py`): start a participant's journey from a consent record.
The start goes through the HTTP API as the person signed in with `itc login`."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from itc.base.consent_input import parse_consent
from itc.base.errors import InvalidInput
from itc.base.json_input import load_json_object
from itc.cli import api_client, through_api
from itc.cli.errors import EXIT_INVALID, fail, fail_with
from itc.cli.flag_names import how_to_give, name_flags
from itc.models.enums import ReceptorStatus, Sex
from itc.models.roles import Role

Opt = typer.Option


def start(
    consent_file: Annotated[
        Path | None,
        Opt(
            "--consent-file",
            metavar="FILE",
            help="Consent record as JSON ('-' for stdin), e.g. examples/consent.json; flags override its fields.",
        ),
    ] = None,
    participant_id: Annotated[
        str | None, Opt("--participant-id", metavar="ID", help="Pseudonymous study ID, e.g. ITC-007.")
    ] = None,
    consent_date: Annotated[str | None, Opt("--consent-date", metavar="DATE", help="YYYY-MM-DD.")] = None,
    consent_form_version: Annotated[
        str | None, Opt("--consent-form-version", metavar="VERSION", help="The form signed, e.g. ICF-2.1.")
    ] = None,
    date_of_birth: Annotated[
        str | None, Opt("--date-of-birth", metavar="DATE", help="YYYY-MM-DD (PHI: never logged).")
    ] = None,
    sex: Annotated[Sex | None, Opt("--sex", help="Sex recorded at consent.")] = None,
    height_cm: Annotated[float | None, Opt("--height-cm", metavar="CM", help="Height in cm, e.g. 164.")] = None,
    weight_kg: Annotated[float | None, Opt("--weight-kg", metavar="KG", help="Weight in kg, e.g. 61.")] = None,
    er_status: Annotated[ReceptorStatus | None, Opt("--er", help="Oestrogen receptor status.")] = None,
    pr_status: Annotated[ReceptorStatus | None, Opt("--pr", help="Progesterone receptor status.")] = None,
    her2_status: Annotated[ReceptorStatus | None, Opt("--her2", help="HER2 status.")] = None,
    site: Annotated[str | None, Opt("--site", metavar="SITE", help="Trial site, e.g. SITE-01.")] = None,
    actor_id: Annotated[
        str | None,
        Opt(
            "--actor-id",
            "--actor",
            metavar="STAFF-ID",
            help="Your staff ID; default the person signed in (the API refuses another).",
        ),
    ] = None,
    role: Annotated[
        Role | None, Opt("--role", "-r", envvar="ITC_ROLE", help="The role you act in (operations starts journeys).")
    ] = None,
) -> None:
    """Start the journey of a participant who has signed informed consent."""
    signed_in = through_api.signed_in_person()
    flags = {
        "participant_id": participant_id,
        "consent_date": consent_date,
        "consent_form_version": consent_form_version,
        "date_of_birth": date_of_birth,
        "sex": sex,
        "height_cm": height_cm,
        "weight_kg": weight_kg,
        "er_status": er_status,
        "pr_status": pr_status,
        "her2_status": her2_status,
        "site": site,
        "actor_id": actor_id,
        "role": role,
    }
    from_flags = {key: value for key, value in flags.items() if value is not None}
    try:
        data: dict[str, Any] = load_json_object(consent_file, "consent file") if consent_file else {}
        if "actor_id" not in from_flags and data.get("actor_id") is None:
            # Named nowhere: the person signed in, whom the API records in any case.
            from_flags["actor_id"] = signed_in
        data.update(from_flags)
        # Validated before connecting: a bad record must never depend on the server being up.
        consent = parse_consent(data)
    except InvalidInput as error:
        hints = how_to_give(inspect.signature(start, eval_str=True).parameters.values())
        fail_with(name_flags(error, from_flags, hints, from_file=consent_file is not None))
    if "actor_id" not in from_flags and consent.actor_id != signed_in:
        refuse_another_actor(consent.actor_id, signed_in)
    body = consent.model_dump(mode="json", exclude_none=True)
    started = api_client.call("POST", "/api/journeys", json_body=body).json()
    typer.echo(
        f"Started journey {started['workflow_id']} for {started['participant_id']} "
        f"(protocol {started['protocol_version']})"
    )


def refuse_another_actor(named: str, signed_in: str) -> NoReturn:
    """The actor recorded is the person signed in (21 CFR 11.10(d), 11.50): a consent file naming
    someone else is refused here, before anything is sent, rather than silently replaced."""
    fail(
        f"consent file: actor_id names {named}, but you are signed in as {signed_in}: a person records "
        f"only in their own name; remove actor_id from the file or set it to {signed_in}",
        code=EXIT_INVALID,
    )
