"""Read-only commands: `status` and `timeline` ask the workflow, `list` reads the read model, each
through the HTTP API as the person signed in with `itc login`; none loads the Temporal client or
the database driver."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from itc.cli import through_api
from itc.cli.answers import JourneyStatusAnswer
from itc.cli.errors import EXIT_INVALID, fail
from itc.cli.render import answer_json, status_list_text, status_text, timeline_text, to_json
from itc.models.enums import Stage
from itc.models.id_patterns import PARTICIPANT_ID_PATTERN
from itc.models.timeline import TimelineEntry

AsJson = Annotated[bool, typer.Option("--json", help="Print the raw result as JSON.")]
# The input models' `ParticipantId` pattern; that pattern admits no control character either.
_PARTICIPANT = re.compile(PARTICIPANT_ID_PATTERN)


def _check_participant(participant: str) -> None:
    if _PARTICIPANT.fullmatch(participant) is None:
        fail(f"participant: {participant!r} is not a study ID like ITC-007", code=EXIT_INVALID)


def status(
    participant: Annotated[str, typer.Argument(help="Study ID, e.g. ITC-007.")], as_json: AsJson = False
) -> None:
    """Where a participant's journey stands, straight from the workflow."""
    through_api.signed_in_person()
    _check_participant(participant)
    answer = through_api.journey_status(participant)
    typer.echo(answer_json(answer) if as_json else status_text(JourneyStatusAnswer.model_validate(answer)))


def timeline(
    participant: Annotated[str, typer.Argument(help="Study ID, e.g. ITC-007.")], as_json: AsJson = False
) -> None:
    """Every event of a participant's journey, in order."""
    through_api.signed_in_person()
    _check_participant(participant)
    entries = through_api.journey_timeline(participant)
    typer.echo(to_json(entries) if as_json else timeline_text([TimelineEntry.model_validate(e) for e in entries]))


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
