"""Expected failures become one readable line (or one line per invalid field) and an exit
code; only real bugs show a traceback."""

from __future__ import annotations

import sys
from collections.abc import Coroutine
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError

from itc.base.errors import UserFacingError, validation_lines

T = TypeVar("T")

EXIT_INVALID = 2
EXIT_INTERRUPTED = 130


def fail(message: str, lines: list[str] | None = None, code: int = 1) -> NoReturn:
    typer.echo(message, err=True)
    for line in lines or []:
        typer.echo(f"  {line}", err=True)
    raise typer.Exit(code)


def fail_with(error: UserFacingError) -> NoReturn:
    fail(error.message, error.lines, error.exit_code)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run with every expected failure mapped to `fail`."""
    # Imported here: the commands through the HTTP API fail through this module too, and never
    # run a coroutine, so they need not load the event loop.
    import asyncio

    try:
        return asyncio.run(coro)
    except UserFacingError as error:
        fail_with(error)
    except ValidationError as error:
        fail(f"Invalid input ({error.title})", validation_lines(error), EXIT_INVALID)
    except Exception as error:
        _fail_temporal(error)
        _fail_database(error)
        raise
    except KeyboardInterrupt:
        fail("Interrupted", code=EXIT_INTERRUPTED)


def _fail_temporal(error: Exception) -> None:
    """Temporal's refusals; only a command that loaded the Temporal client can meet one, so a
    command through the HTTP API never imports it here."""
    service = sys.modules.get("temporalio.service")
    if service is None or not isinstance(error, service.RPCError):
        return
    if error.status in (service.RPCStatusCode.UNAVAILABLE, service.RPCStatusCode.DEADLINE_EXCEEDED):
        fail(f"Temporal stopped answering ({error.message}) — is `itc dev` still running?", code=3)
    fail(f"Temporal refused the request: {error.message}")


def _fail_database(error: Exception) -> None:
    """Database errors a person can fix; anything else is re-raised by the caller."""
    asyncpg = sys.modules.get("asyncpg")
    if asyncpg is None:  # nothing in this command spoke to the database
        return
    if isinstance(error, asyncpg.UndefinedTableError):
        fail("The database has no event-store tables yet — run `itc migrate` first.", code=3)
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        fail(f"The database does not exist: {error}", code=3)
    if isinstance(error, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError):
        fail(f"PostgreSQL refused the login: {error}", code=3)
