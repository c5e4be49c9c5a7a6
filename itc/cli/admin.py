"""Database maintenance: `migrate` and `rebuild-projections`."""

from __future__ import annotations

import typer

from itc.base.settings import Settings
from itc.cli.context import load_settings
from itc.cli.errors import run_async
from itc.runtime.database import describe_dsn
from itc.runtime.database_pool import database_pool


def migrate() -> None:
    """Apply pending event-store migrations as the owner (ITC_DATABASE_OWNER_URL, else DATABASE_URL,
    else the embedded database), then the engine role's grants. Needs the database directly: run it
    on the operator's machine."""
    settings = load_settings()
    applied = run_async(_migrate(settings))
    owner_url = settings.owner_database_url
    target = describe_dsn(owner_url) if owner_url else "the embedded database"
    typer.echo(f"Applied {len(applied)} migration(s) to {target}" + (f": {', '.join(applied)}" if applied else ""))


async def _migrate(settings: Settings) -> list[str]:
    from itc.eventstore.migrate import apply_migrations

    async with database_pool(settings, as_owner=True) as pool:
        return list(await apply_migrations(pool) or [])


def rebuild_projections() -> None:
    """Recompute the participant_status read model from the event store alone (as the owner).
    Needs the database directly: run it on the operator's machine."""
    settings = load_settings()
    count = run_async(_rebuild(settings))
    typer.echo(f"Rebuilt participant_status: {count} participant(s)")


async def _rebuild(settings: Settings) -> int:
    from itc.eventstore.rebuild import rebuild_projections as rebuild

    # As the owner: the rebuild locks the record against appends and empties the read model,
    # neither of which the engine's role may do.
    async with database_pool(settings, as_owner=True) as pool:
        return int(await rebuild(pool))
