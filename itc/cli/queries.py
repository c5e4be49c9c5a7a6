"""Read-only commands: `status` and `timeline` ask the workflow; `list` reads the read model.
Signed in with `itc login`, each goes through the HTTP API as that person instead, and never
loads the Temporal client or the database driver."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import TypeAdapter, ValidationError

from itc.cli import through_api
from itc.cli.context import load_settings
from itc.cli.errors import EXIT_INVALID, fail, run_async
from itc.cli.render import status_list_text, status_text, timeline_text, to_json
from itc.models.enums import Stage
from itc.models.inputs import ParticipantId

if TYPE_CHECKING:
    from itc.base.settings import Settings

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
    _check_participant(participant)
    if through_api.signed_in():
        result: Any = through_api.journey_status(participant)
    else:
        settings = load_settings()

        async def go() -> Any:
            from itc.runtime.journeys import get_status
            from itc.runtime.temporal_client import connect

            return await get_status(await connect(settings), participant)

        result = run_async(go())
    typer.echo(to_json(result) if as_json else status_text(result))


def timeline(
    participant: Annotated[str, typer.Argument(help="Study ID, e.g. ITC-007.")], as_json: AsJson = False
) -> None:
    """Every event of a participant's journey, in order."""
    _check_participant(participant)
    if through_api.signed_in():
        result: Any = through_api.journey_timeline(participant)
    else:
        settings = load_settings()

        async def go() -> Any:
            from itc.runtime.journeys import get_timeline
            from itc.runtime.temporal_client import connect

            return await get_timeline(await connect(settings), participant)

        result = run_async(go())
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
    if through_api.signed_in():
        rows = through_api.participants(stage.value if stage else None, site)
    else:
        rows = run_async(_list(load_settings(), stage.value if stage else None, site))
    typer.echo(to_json(rows) if as_json else status_list_text(rows))


async def _list(settings: Settings, stage: str | None, site: str | None) -> list[dict[str, Any]]:
    from itc.eventstore.store import EventStore
    from itc.runtime.database_pool import database_pool

    async with database_pool(settings) as pool:
        rows = await EventStore(pool).list_status(stage=stage, site=site)
    return [dict(row) for row in rows]
