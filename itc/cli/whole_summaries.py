"""Command lists whose summaries are never cut.

click shortens each command's summary to what fits beside the longest command name and ends
it with "..."; at 80 columns that hid half of most summaries. Here the summary is the help's
whole first sentence, wrapped under itself like an option's help.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup

# No sentence in the commands' help is anywhere near this long: it only stops click cutting.
UNCUT = 10_000


class WholeSummaries(TyperGroup):
    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(UNCUT)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
