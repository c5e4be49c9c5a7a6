"""Start one journey from a consent record:

    python starter.py --consent-file consent.json
    python starter.py --participant-id ITC-007 --consent-date 2026-01-05 ... --actor-id ops.a

The same command as `itc start`: through the HTTP API as the person signed in with `itc login`.
"""

from __future__ import annotations

import typer

from itc.base.process_exit import run_and_exit
from itc.cli.start import start


def main() -> None:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
    app.command()(start)
    run_and_exit(app, prog_name="starter.py")


if __name__ == "__main__":
    main()
