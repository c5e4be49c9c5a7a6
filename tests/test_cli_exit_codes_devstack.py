"""Every `itc` command ends with its own exit code, never the interpreter's abort (134).

temporalio's Rust threads could outlive the interpreter's teardown and abort a finished
command (temporalio sdk-python issue #300): 10-25 % of the commands that talk to Temporal did,
after a success and after a refusal alike. 300 commands against the real dev stack, each a
real process (`cli_fork_runner.py`) signed in with `itc login`, must each give exactly the code
expected of it: 0 done, 1 refused or not found, 2 invalid input.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixtures_devstack import STAFF, Stack, fresh_participant, iso
from fixtures_devstack import consent as consent_record_json

RUNNER = Path(__file__).with_name("cli_fork_runner.py")
CALLS = 300
RUNNERS = 3
ABORT = "Fatal Python error"


def commands(participant: str) -> list[tuple[list[str], int]]:
    """One round of cheap commands, each with the exit code it must give."""
    who = ["--participant", participant, "--role", "operations"]
    yesterday = iso(datetime.now(UTC) - timedelta(days=1))
    return [
        (["status", participant], 0),
        (["timeline", participant], 0),
        (["trial", "status"], 0),
        (["list", "--stage", "screening"], 0),
        (["audit", participant], 0),
        (["record", "lab-results", *who, "--result", "spo2=98", "--collected-at", yesterday], 0),
        (["status", "ITC-99999"], 1),
        # Refused by the journey's validator: no baseline scan during screening.
        (["record", "scan", *who, "--kind", "baseline", "--scanned-at", yesterday, "--lesion", "L1:lung:20"], 1),
        (["status", "not-a-study-id"], 2),
        (["record", "withdrawal", "--participant", participant], 2),
    ]


async def run_in_forks(env: dict[str, str], batch: list[list[str]]) -> list[dict[str, object]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(RUNNER),
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    lines = "".join(json.dumps(argv) + "\n" for argv in batch).encode()
    out, _ = await process.communicate(lines)
    assert process.returncode == 0
    return [json.loads(line) for line in out.decode().splitlines()]


# Cheap per call (a forked child does not import anything again): about 0.2 s of CPU each. On a
# machine shared with other jobs (load 19 on 2 cores) the 300 calls took about 6 minutes of wall
# time, so the limit is for that, not for the default single test's work.
@pytest.mark.timeout(900)
async def test_300_cli_calls_give_only_their_own_exit_codes(stack: Stack, tmp_path: Path) -> None:
    participant = fresh_participant("EXIT")
    consent_file = tmp_path / "consent.json"
    consent_file.write_text(json.dumps(consent_record_json(participant, "SITE-EXIT", STAFF)), encoding="utf-8")
    await stack.ok("start", "--consent-file", str(consent_file))

    async def in_event_store() -> bool:
        return (await stack.cli("audit", participant)).exit_code == 0

    await stack.until(in_event_store, "the consent in the event store")

    round_ = commands(participant)
    calls = [round_[index % len(round_)] for index in range(CALLS)]
    env = {**os.environ, **stack.env}
    batches = [calls[start::RUNNERS] for start in range(RUNNERS)]
    results = await asyncio.gather(*(run_in_forks(env, [argv for argv, _ in batch]) for batch in batches))

    seen = [
        (argv, expected, result)
        for batch, got in zip(batches, results, strict=True)
        for (argv, expected), result in zip(batch, got, strict=True)
    ]
    assert len(seen) == CALLS
    aborted = [argv for argv, _, result in seen if ABORT in str(result["stderr"])]
    assert aborted == [], f"{len(aborted)} of {CALLS} calls aborted at exit, e.g. itc {' '.join(aborted[0])}"
    wrong = [(argv, expected, result) for argv, expected, result in seen if result["code"] != expected]
    assert wrong == [], "\n".join(
        f"itc {' '.join(argv)}: exit {result['code']}, expected {expected}: {result['stderr']}"
        for argv, expected, result in wrong[:5]
    )


async def test_the_installed_itc_script_ends_with_the_commands_code(stack: Stack) -> None:
    """The console script itself (not only `main`) takes the same way out."""
    script = shutil.which("itc", path=str(Path(sys.executable).parent)) or shutil.which("itc")
    assert script is not None, "the itc console script is not installed"
    env = {**os.environ, **stack.env}
    for argv, expected in ((["status", "ITC-99999"], 1), (["trial", "status"], 0), (["status", "bad"], 2)) * 2:
        process = await asyncio.create_subprocess_exec(
            script, *argv, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        _, err = await process.communicate()
        assert ABORT not in err.decode(), err.decode()
        assert process.returncode == expected, (argv, err.decode())
