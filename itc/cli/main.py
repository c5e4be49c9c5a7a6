"""`itc`: the command line of the iTC journey engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

import typer

from itc.base.process_exit import run_and_exit
from itc.cli import (
    admin,
    api_commands,
    codec_server,
    demo,
    dev,
    keys,
    serve,
    staff_commands,
)
from itc.cli import simulate as simulation
from itc.cli.whole_summaries import WholeSummaries

app = typer.Typer(
    name="itc",
    cls=WholeSummaries,
    help="Run and operate the iTC participant-journey engine.",
    no_args_is_help=True,
    add_completion=False,
    # Expected failures are printed as one line by cli.errors; a traceback means a bug.
    pretty_exceptions_enable=False,
    # Plain help, as click lays it out: whole option names and their help below them at any
    # width (rich's table cuts names to fit 80 columns) and no type label on on/off flags.
    rich_markup_mode=None,
)

staff_commands.register(app)
app.command("dev")(dev.dev)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("migrate")(admin.migrate)
app.command("rebuild-projections")(admin.rebuild_projections)
app.command("simulate")(simulation.simulate)
app.add_typer(keys.app, name="keys", cls=WholeSummaries)
app.command("codec-server")(codec_server.codec_server)
api_commands.register(app)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The `itc` console script: the command's own exit code, never an abort at exit."""
    run_and_exit(app, argv)


if __name__ == "__main__":
    main()
