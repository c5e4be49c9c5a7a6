"""The `itc` commands a document shows, read out of its code: inline code spans, fenced
blocks and shell scripts. Used by the tests that fail when the README or an example drifts
from the command line."""

from __future__ import annotations

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


@dataclass(frozen=True)
class Shown:
    text: str  # the command as the document shows it, from `itc` on
    where: str


def fenced_blocks(markdown: str) -> list[str]:
    return [match.group(1) for match in FENCE.finditer(markdown)]


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
    return _check(typer.main.get_command(app), tokens, shown, "itc")


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
