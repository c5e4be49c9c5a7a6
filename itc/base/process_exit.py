"""How our processes end (`itc`, `starter.py`, the worker): with their own exit code, never with
the interpreter's abort.

temporalio's Rust core runs Tokio threads that can still call into Python (releasing a thread
state) while the interpreter is being torn down after `main` returns; CPython then aborts with
"Fatal Python error: PyGILState_Release: thread state ... must be current when releasing" and
status 134 (temporalio sdk-python issue #300), in some runs and not others, whatever the command
did. So the process does what a normal exit does before the teardown (atexit handlers such as
the embedded PostgreSQL's cleanup and logging's flush, then stdout and stderr flushed) and ends
with `os._exit`, which skips only the teardown in which those threads race.
"""

from __future__ import annotations

import atexit
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import NoReturn

EXIT_BUG = 1
EXIT_INTERRUPTED = 130


def run_command(app: Callable[..., object], argv: Sequence[str] | None = None, prog_name: str = "itc") -> int:
    """Run a typer/click app in standalone mode and return the exit code it chose."""
    return exit_code_of(lambda: app(args=list(argv) if argv is not None else None, prog_name=prog_name))


def exit_code_of(run: Callable[[], object]) -> int:
    """Run `run` and return the exit code the interpreter would have ended with."""
    try:
        run()
    except SystemExit as exit_request:
        return _exit_code(exit_request.code)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BaseException:  # a bug: show it, as the interpreter would have
        traceback.print_exc()
        return EXIT_BUG
    return 0


def _exit_code(code: object) -> int:
    # The same rules as the interpreter's: None is success, a message is printed and means 1.
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def end_process(code: int) -> NoReturn:
    """Everything a normal exit does before the interpreter's teardown, then exit with `code`."""
    _flush()
    atexit._run_exitfuncs()
    _flush()
    os._exit(code)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            # A reader that went away (`itc list | head`) or a closed stream: nothing left to tell it.
            pass


def run_and_exit(app: Callable[..., object], argv: Sequence[str] | None = None, prog_name: str = "itc") -> NoReturn:
    end_process(run_command(app, argv, prog_name))
