"""`itc chain`: a participant's chain of identity and custody from the event store alone, read
through the HTTP API as the person signed in with `itc login`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from itc.cli import through_api
from itc.cli.errors import fail
from itc.cli.queries import AsJson, _check_participant
from itc.cli.render import safe, to_json

if TYPE_CHECKING:
    from itc.chain.report import ChainReport, ChainStep


def chain(participant: Annotated[str, typer.Argument(help="Study ID, e.g. ITC-007.")], as_json: AsJson = False) -> None:
    """Every unit of the participant's cells and every handoff: who, when, where, temperature."""
    # Imported when run: the report's models are built for this command only, not for every
    # reading command that shares its app.
    from itc.chain.report import ChainReport

    through_api.signed_in_person()
    _check_participant(participant)
    report = ChainReport.model_validate(through_api.chain(participant))
    if report.chain_of_identity is None:
        fail(f"No chain of identity in the event store for participant {participant} (yet)")
    typer.echo(to_json(report) if as_json else chain_text(report))


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _temperature(step: ChainStep) -> str:
    if step.min_temperature_c is None or step.max_temperature_c is None:
        return ""
    text = f"{step.min_temperature_c:g} to {step.max_temperature_c:g} °C"
    return text + (f", {step.minutes_out_of_range} min out" if step.minutes_out_of_range else "")


def chain_text(report: ChainReport) -> str:
    lines = [f"{report.participant_id}  COI {report.chain_of_identity}"]
    for unit in report.units:
        state = (
            "infused"
            if unit.infused_at
            else "discarded"
            if unit.discarded
            else "ON QUALITY HOLD"
            if unit.on_hold
            else ""
        )
        lines.append(f"\n{unit.unit_id}  {state}".rstrip())
        for step in unit.steps:
            who = f"{step.actor} ({step.actor_role})" if step.actor_role else step.actor
            where = f" at {step.location}" if step.location else ""
            extra = "; ".join(x for x in (_temperature(step), step.note or "") if x)
            lines.append(
                f"  #{step.sequence:<5} {_utc(step.occurred_at)}  {step.step:<20} {safe(who)}{safe(where)}"
                + (f"  [{safe(extra)}]" if extra else "")
            )
    for incident in report.incidents:
        lines.append(
            f"\nINCIDENT #{incident.sequence} {_utc(incident.occurred_at)} {safe(incident.actor)}: {safe(incident.problem)}"
        )
    return "\n".join(lines)
