"""Runs `itc` commands as real processes without paying the CLI's import time for each.

The process imports the CLI once, then forks one child per command line read from stdin (a
JSON list of arguments). The child leaves the loop and runs the command at the top of this
script, exactly as the console script does, so it ends the way a real `itc` process ends:
through `itc.cli.main.main`, and, were that ever to return or raise, through the
interpreter's own teardown (where the abort of temporalio sdk-python issue #300 happened).
For each command one JSON line goes to stdout: {"code": exit status as a shell reports it,
"stderr": the end of what it wrote to stderr}.

Nothing here has started a thread or the Temporal runtime before a fork: the CLI creates
them inside the command.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile

STDERR_KEPT = 4000


def shell_status(wait_status: int) -> int:
    code = os.waitstatus_to_exitcode(wait_status)
    # A shell reports death by signal N as 128 + N (SIGABRT: 134).
    return 128 - code if code < 0 else code


def serve() -> list[str] | None:
    """In the parent: run every command read and report it; returns None at end of input.
    In a child: returns the command's arguments."""
    import itc.cli.main  # noqa: F401  imported once, before any fork

    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDWR)
    for line in sys.stdin:
        if not line.strip():
            continue
        argv = json.loads(line)
        with tempfile.TemporaryFile() as stderr:
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.dup2(devnull, 0)
                os.dup2(devnull, 1)
                os.dup2(stderr.fileno(), 2)
                return [str(arg) for arg in argv]
            _, wait_status = os.waitpid(pid, 0)
            stderr.seek(0)
            written = stderr.read().decode("utf-8", "replace")
        replies.write(json.dumps({"code": shell_status(wait_status), "stderr": written[-STDERR_KEPT:]}) + "\n")
        replies.flush()
    return None


command = serve()
if command is not None:
    from itc.cli.main import main

    main(command)
