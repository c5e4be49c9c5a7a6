"""The README and `examples/` against the command line they show: every `itc` command and
option they name exists, every example file they point to is there, and the example consent
record is valid and documented field by field. `test_readme_first_ten_minutes_devstack.py`
runs the "First ten minutes" itself."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from readme_commands import (
    NOT_RUN,
    commands_in,
    fenced_shell_lines,
    is_example,
    parse_problems,
    problems,
    run_against_the_dev_stack,
)

from itc.models.inputs import ConsentRecord
from itc.runtime.journeys import parse_consent

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
EXAMPLES = REPO / "examples"


def test_the_readme_names_only_commands_and_options_the_cli_has() -> None:
    shown = list(commands_in(README, "README.md"))
    assert len(shown) > 20, "the README's commands were not found: has the extraction drifted?"
    assert [problem for command in shown for problem in problems(command)] == []


def test_the_example_script_uses_only_commands_and_options_the_cli_has() -> None:
    script = (EXAMPLES / "first-stages.sh").read_text(encoding="utf-8")
    shown = list(commands_in(f"```bash\n{script}```\n", "examples/first-stages.sh", fenced_only=True))
    assert {command.text.split()[1] for command in shown} >= {"start", "record", "status"}
    assert [problem for command in shown for problem in problems(command)] == []


def test_the_example_files_the_readme_points_to_exist() -> None:
    for path in set(re.findall(r"examples/[\w./-]+\w", README)):
        assert (REPO / path).exists(), path


def test_the_example_consent_record_is_valid_and_every_field_is_documented() -> None:
    record = json.loads((EXAMPLES / "consent.json").read_text(encoding="utf-8"))
    assert parse_consent(record).participant_id == "ITC-001"
    assert set(record) == set(ConsentRecord.model_fields)
    documented = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert [field for field in ConsentRecord.model_fields if f"`{field}`" not in documented] == []


def test_the_commands_the_dev_banner_suggests_exist(tmp_path: Path) -> None:
    from itc.cli.dev import banner

    text = banner("http://127.0.0.1:8000", tmp_path / "sandbox-password")
    # The banner's suggestions are the indented lines after "Next".
    suggested = [line.strip() for line in text.split("Next", 1)[1].splitlines()[1:] if line.startswith("  ")]
    shown = list(commands_in("```bash\n" + "\n".join(suggested) + "\n```\n", "itc dev banner", fenced_only=True))
    assert len(shown) >= 2
    assert [problem for command in shown for problem in problems(command)] == []
    # `itc demo` starts a stack of its own: beside `itc dev` it fails on the port.
    assert "itc demo" not in text
    # The staff commands need a sign-in, so the first suggestion is `itc login`.
    assert suggested[0].startswith("itc login --person demo.operations --password-file ")
    # Off the default port, the terminal is told the API's address before signing in.
    elsewhere = banner("http://127.0.0.1:18000", tmp_path / "sandbox-password").split("Next", 1)[1].splitlines()
    assert elsewhere[1] == "  export ITC_API_URL=http://127.0.0.1:18000"
    assert elsewhere[2].startswith("  itc login --person demo.operations --password-file ")
    assert elsewhere[2].endswith("sandbox-password")


def test_every_fenced_readme_command_is_run_or_listed_with_why_not() -> None:
    """A command added to a README shell block fails here until a test runs it or NOT_RUN says why not."""
    shown = fenced_shell_lines(README)
    run = set(run_against_the_dev_stack(README))
    assert [line for line in shown if line not in run and line not in NOT_RUN] == []
    assert run <= set(shown)
    # A reason for a command the README no longer shows is stale: it would excuse a later one.
    assert [line for line in NOT_RUN if line not in shown] == []
    assert run.isdisjoint(NOT_RUN)


def test_every_readme_example_parses_as_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    """An example with values (`itc trial resume --actor ... --reason ...`) gives every required
    option and a valid value for each, so it runs as written; a bare `itc audit` only names one."""
    monkeypatch.chdir(REPO)  # the examples' paths are relative to the repository root
    monkeypatch.delenv("ITC_ROLE", raising=False)  # an example must not lean on the reader's environment
    examples = [command for command in commands_in(README, "README.md") if is_example(command)]
    assert {command.text.split()[1] for command in examples} >= {"start", "status", "trial", "simulate"}
    assert [problem for command in examples for problem in parse_problems(command)] == []
