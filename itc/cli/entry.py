"""The `itc` console script: a command that only talks to the HTTP API runs from a light app
(`itc.cli.api_commands`, and the staff commands in `itc.cli.staff_commands`, which go through
the API as the person signed in with `itc login`); every other command loads the whole command
line."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from itc.cli.process_exit import run_and_exit


def main(argv: Sequence[str] | None = None) -> NoReturn:
    args = list(sys.argv[1:] if argv is None else argv)
    from itc.cli.api_commands import API_COMMANDS, STAFF_COMMANDS

    light = bool(args) and (args[0] in API_COMMANDS or args[0] in STAFF_COMMANDS)
    if light:
        # The engine uses no pydantic plugins; looking them up at the first model reads the
        # metadata of every installed package, a good part of a light command's start-up.
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if args and args[0] in API_COMMANDS:
        from itc.cli.api_commands import app
    elif light:
        from itc.cli.staff_commands import app
    else:
        from itc.cli.main import app
    run_and_exit(app, args)


if __name__ == "__main__":
    main()
