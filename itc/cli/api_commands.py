"""The commands that only talk to the HTTP API (`login`, `logout`, `whoami`, `users`,
`access-log`, `sign`), as an app of their own: `itc.cli.entry` runs it without importing Temporal,
FastAPI or the database driver, so on a staff machine these answer in a fraction of a second."""

from __future__ import annotations

import typer

from itc.cli import access_log, login, sign, users
from itc.cli.whole_summaries import WholeSummaries


def register(app: typer.Typer) -> None:
    app.command("login")(login.login)
    app.command("logout")(login.logout)
    app.command("whoami")(login.whoami)
    app.add_typer(users.app, name="users", cls=WholeSummaries)
    app.command("access-log")(access_log.access_log)
    app.add_typer(sign.app, name="sign", cls=WholeSummaries)


app = typer.Typer(name="itc", cls=WholeSummaries, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  rich_markup_mode=None)  # fmt: skip
register(app)
