"""The staff commands (`start`, `record`, `status`, `timeline`, `audit`, `chain`, `list`, `trial`) as an
app of their own: each goes through the HTTP API as the person signed in with `itc login`, and
refuses without one, so `itc.cli.entry` runs them without importing Temporal, FastAPI or the
database driver (a staff machine has none of their credentials, and the command answers sooner)."""

from __future__ import annotations

import typer

from itc.cli import read_commands, record, start
from itc.cli.whole_summaries import WholeSummaries


def register(app: typer.Typer) -> None:
    app.command("start")(start.start)
    app.add_typer(record.app, name="record", cls=WholeSummaries)
    # The reading commands, which `itc.cli.entry` also runs from a lighter app of their own.
    read_commands.register(app)


app = typer.Typer(name="itc", cls=WholeSummaries, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False, rich_markup_mode=None)  # fmt: skip
register(app)
