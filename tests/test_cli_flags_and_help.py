"""Every `itc` command's flags and help, checked over the whole command tree, so a command
added later is held to the same rules: one meaning per short flag, help for every option,
and help that reads whole at 80 columns (no option name cut, no type label on on/off flags)."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from itc.cli.main import app

WIDTH = 80


# typer builds its commands on its own copy of click: read them by their attributes.
Command = Any
Option = Any


def commands() -> list[tuple[tuple[str, ...], Command]]:
    """(path, command) for every command and group under `itc`."""
    found: list[tuple[tuple[str, ...], Command]] = []

    def walk(path: tuple[str, ...], command: Command) -> None:
        found.append((path, command))
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk((*path, name), sub)

    walk((), typer.main.get_command(app))
    return found


def options(command: Command) -> list[Option]:
    return [p for p in command.params if p.param_type_name == "option" and p.name != "help"]


def long_name(option: Option) -> str:
    return max(option.opts, key=len)


def test_the_walk_sees_every_record_command_and_the_top_level_ones() -> None:
    paths = {" ".join(path) for path, _ in commands()}
    assert {"record lab-results", "record eligibility", "trial resume", "start", "status", "audit", "serve"} <= paths


def test_each_short_flag_means_one_thing_across_all_commands() -> None:
    meanings: dict[str, set[str]] = defaultdict(set)
    for _, command in commands():
        for option in options(command):
            for opt in (*option.opts, *option.secondary_opts):
                if re.fullmatch(r"-[^-]", opt):
                    meanings[opt].add(long_name(option))
    clashes = {short: sorted(longs) for short, longs in meanings.items() if len(longs) > 1}
    assert clashes == {}


def test_every_option_has_short_help() -> None:
    missing = [
        f"itc {' '.join(path)} {long_name(option)}"
        for path, command in commands()
        for option in options(command)
        if not (option.help or "").strip()
    ]
    assert missing == []


@pytest.mark.parametrize("path", [path for path, _ in commands()], ids=lambda path: " ".join(path) or "itc")
def test_help_at_80_columns_shows_every_option_name_whole(path: tuple[str, ...]) -> None:
    command = dict(commands())[path]
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": str(WIDTH)}, terminal_width=WIDTH)
    assert result.exit_code == 0, result.output
    text = result.stdout
    too_wide = [line for line in text.splitlines() if len(line) > WIDTH]
    assert too_wide == []
    assert "…" not in text
    assert "<bool>" not in text
    for option in options(command):
        for opt in (*option.opts, *option.secondary_opts):
            assert re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", text), f"{opt} not shown whole"


@pytest.mark.parametrize(
    "path",
    [path for path, command in commands() if getattr(command, "commands", None)],
    ids=lambda p: " ".join(p) or "itc",
)
def test_help_at_80_columns_shows_every_command_summary_whole(path: tuple[str, ...]) -> None:
    """A group's command list gives each command's first sentence uncut, wrapped instead of ended with '...'."""
    group = dict(commands())[path]
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": str(WIDTH)}, terminal_width=WIDTH)
    assert result.exit_code == 0, result.output
    listing = result.stdout.split("Commands:", 1)[1]
    assert "..." not in listing
    # Wrapping may break a line at a space or after a hyphen, so compare without whitespace.
    unwrapped = re.sub(r"\s+", "", listing)
    for name, command in group.commands.items():
        first_sentence = re.split(r"(?<=\.)\s", " ".join((command.help or "").split()), maxsplit=1)[0]
        assert re.sub(r"\s+", "", name + first_sentence) in unwrapped, f"{' '.join(path)} {name}: summary cut"
