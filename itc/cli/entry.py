"""The `itc` console script: a command that only talks to the HTTP API runs from a light app,
importing only what that command needs: the account commands (`itc.cli.api_commands`), the
reading staff commands (`itc.cli.read_commands`: no action registry, no input models) and the
writing ones (`itc.cli.staff_commands`, whose flags come from the registry), each through the
API as the person signed in with `itc login`; every other command loads the whole command line.
The names are listed here, so that choosing an app imports none of the others."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from itc.base.process_exit import run_and_exit

API_COMMANDS = frozenset({"login", "logout", "whoami", "users", "access-log", "sign"})
READ_COMMANDS = frozenset({"status", "timeline", "audit", "chain", "list", "trial"})
STAFF_COMMANDS = READ_COMMANDS | {"start", "record"}


def main(argv: Sequence[str] | None = None) -> NoReturn:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else None
    if command in API_COMMANDS or command in STAFF_COMMANDS:
        # The engine uses no pydantic plugins; looking them up at the first model reads the
        # metadata of every installed package, a good part of a light command's start-up.
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if command in API_COMMANDS:
        from itc.cli.api_commands import app
    elif command in READ_COMMANDS:
        from itc.cli.read_commands import app
    elif command in STAFF_COMMANDS:
        from itc.cli.staff_commands import app
    else:
        from itc.cli.main import app
    run_and_exit(app, args)


if __name__ == "__main__":
    main()
