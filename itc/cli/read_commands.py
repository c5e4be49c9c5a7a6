"""The reading staff commands (`status`, `timeline`, `audit`, `chain`, `list`, `trial`) as an app
of their own: each reads through the HTTP API as the person signed in with `itc login` and
prints the answer, so `itc.cli.entry` runs them without the action registry, the input models,
Temporal, FastAPI or the database driver (`trial resume` builds its one input model when run)."""

from __future__ import annotations

import typer

from itc.cli import audit, chain, queries, trial
from itc.cli.whole_summaries import WholeSummaries


def register(app: typer.Typer) -> None:
    app.add_typer(trial.app, name="trial", cls=WholeSummaries)
    app.command("status")(queries.status)
    app.command("list")(queries.list_participants)
    app.command("timeline")(queries.timeline)
    app.command("audit")(audit.audit)
    app.command("chain")(chain.chain)


app = typer.Typer(name="itc", cls=WholeSummaries, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False, rich_markup_mode=None)  # fmt: skip
register(app)
