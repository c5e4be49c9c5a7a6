"""Read-only commands: `status` and `timeline` ask the workflow, `list` reads the read model, each
through the HTTP API as the person signed in with `itc login`; none loads the Temporal client or
the database driver."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError

from itc.cli import through_api
from itc.cli.errors import EXIT_INVALID, fail
from itc.cli.render import status_list_text, status_text, timeline_text, to_json
from itc.models.enums import Stage
from itc.models.inputs import ParticipantId

AsJson = Annotated[bool, typer.Option("--json", help="Print the raw result as JSON.")]
_PARTICIPANT = TypeAdapter(ParticipantId)


def _check_participant(participant: str) -> None:
    try:
        _PARTICIPANT.validate_python(participant)
    except ValidationError:
        fail(f"participant: {participant!r} is not a study ID like ITC-007", code=EXIT_INVALID)


def status(
    participant: Annotated[str, typer.Argument(help="Study ID, e.g. ITC-007.")], as_json: AsJson = False
) -> None:
    """Where a participant's journey stands, straight from the workflow."""
    through_api.signed_in_person()
    _check_participant(participant)
    result = through_api.journey_status(participant)
    typer.echo(to_json(result) if as_json else status_text(result))


def timeline(
    participant: Annotated[str, typer.Argument(help="Study ID, e.g. ITC-007.")], as_json: AsJson = False
) -> None:
    """Every event of a participant's journey, in order."""
    through_api.signed_in_person()
    _check_participant(participant)
    result = through_api.journey_timeline(participant)
    typer.echo(to_json(result) if as_json else timeline_text(result))


def list_participants(
    stage: Annotated[
        Stage | None,
        typer.Option("--stage", metavar="STAGE", help=f"Only this stage: {', '.join(s.value for s in Stage)}."),
    ] = None,
    site: Annotated[str | None, typer.Option("--site", help="Only this site.")] = None,
    as_json: AsJson = False,
) -> None:
    """Participants from the read model (PostgreSQL), optionally by stage and site."""
    through_api.signed_in_person()
    rows = through_api.participants(stage.value if stage else None, site)
    typer.echo(to_json(rows) if as_json else status_list_text(rows))
