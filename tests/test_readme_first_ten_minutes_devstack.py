"""The README's "First ten minutes", run as written against the real dev stack: the `stack`
fixture stands in for the first terminal's `itc dev` (its stack, dashboard and API, and sandbox
accounts), and every line of the second terminal's block runs in bash from a directory laid out
as the repository root beside that stack's data directory (`.itc-data`), with the environment's
`itc` first on PATH (what `. .venv/bin/activate` does) and no one signed in until the block's own
`itc login`. A README edit that breaks a step, or a CLI change that breaks the README, fails here."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from fixtures_devstack import Stack
from readme_commands import ACTIVATE, first_ten_minutes, run_against_the_dev_stack

REPO = Path(__file__).resolve().parent.parent
FIRST_TERMINAL = ["python3 -m venv .venv && .venv/bin/pip install -q -e '.[embedded]'", ACTIVATE, "itc dev"]


async def run(line: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        "bash", "-c", f"set -euo pipefail; {line}", cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


# The example script takes a participant through three stages, each a few CLI processes.
@pytest.mark.timeout(600)
async def test_the_first_ten_minutes_run_as_written(stack: Stack, tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first, second = first_ten_minutes(readme)
    # The fixture is the first terminal: the same install, and `itc dev` on a fresh data directory.
    assert first == FIRST_TERMINAL
    assert second[0] == ACTIVATE
    # The directory `itc dev` runs in: the repository's examples, and the stack's data directory
    # where `itc dev` keeps the sandbox password.
    root = tmp_path / "repository"
    root.mkdir()
    (root / "examples").symlink_to(REPO / "examples")
    (root / ".itc-data").symlink_to(stack.settings.itc_data_dir)
    env = {
        **os.environ,
        **stack.env,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "ITC_TOKEN_FILE": str(tmp_path / "second-terminal" / "token"),
    }
    outputs = {}
    for line in run_against_the_dev_stack(readme):
        code, out, err = await run(line, env, root)
        assert code == 0, f"`{line}` exited {code}:\n{out}\n{err}"
        outputs[line] = out
    text = "\n".join(outputs.values())
    assert "Signed in to" in text and "(demo.operations; operations)" in text
    assert "Started journey journey-ITC-001" in text
    assert "Now in Manufacturing (was Biopsy)" in text
    listing = next(out for line, out in outputs.items() if line.startswith("itc list"))
    assert "ITC-002" in listing
