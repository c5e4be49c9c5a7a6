"""The bad-input corpus in tests/bad_inputs: every case is refused with a named, readable
message and leaves the journey state and the event store exactly as they were.

Update cases share one journey per stage (driving a journey is the slow part); the mocks'
`services.events` stands in for the event store. CLI and starter cases need no server.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from journey_harness import (
    GOOD_SCREENING_LABS,
    MockServices,
    acting_in_role,
    drive_to_manufacturing,
    pass_screening,
    record_eligibility,
    record_labs,
    start_journey,
    worker_for,
)
from temporalio.client import WorkflowUpdateFailedError
from test_cli_errors import VALID_CONSENT, assert_no_traceback, invoke, unreachable_env  # noqa: F401

from itc.base.errors import JourneyNotFound
from itc.models.enums import Stage
from itc.models.inputs import RecordLabResultsInput
from itc.runtime.journeys import record

CORPUS = Path(__file__).parent / "bad_inputs"
REPO = Path(__file__).resolve().parents[1]
_OFFSET = re.compile(r"^\$now(?:([+-])(\d+)([dh]))?$")


def cases(name: str) -> list[dict[str, Any]]:
    return json.loads((CORPUS / name).read_text(encoding="utf-8"))["cases"]


def resolve(value: Any, now: datetime) -> Any:
    """Times in the corpus are relative to the workflow clock, so the files never go stale."""
    if isinstance(value, dict):
        return {k: resolve(v, now) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, now) for v in value]
    if isinstance(value, str) and value.startswith("$long:"):
        return "x" * int(value.removeprefix("$long:"))
    if isinstance(value, str) and (match := _OFFSET.match(value)):
        sign, amount, unit = match.groups()
        delta = timedelta(**{"days" if unit == "d" else "hours": int(amount or 0)})
        return (now - delta if sign == "-" else now + delta).isoformat()
    return value


def full_message(error: BaseException | None) -> str:
    # pydantic's decoding message sits one or two causes below the update failure.
    parts = []
    while error is not None:
        parts.append(str(error))
        error = getattr(error, "cause", None) or error.__cause__
    return " <- ".join(parts)


async def refusal_problem(j, services: MockServices, case: dict[str, Any]) -> str | None:
    """None when the case is refused as expected; otherwise what went wrong."""
    await j.settle()
    before_state, before_events = await j.state(), len(services.events)
    payload = acting_in_role(case["update"], resolve(case["payload"], await j.now()))
    try:
        await j.handle.execute_update(case["update"], payload)
    except WorkflowUpdateFailedError as error:
        text = full_message(error)
        if case["error"] not in text:
            return f"message {text!r} lacks {case['error']!r}"
    else:
        return "was accepted"
    await j.settle()
    if await j.state() != before_state:
        return "changed the journey state"
    if len(services.events) != before_events:
        return "appended events"
    return None


async def run_stage(workflow_env, task_queue, file: str, drive) -> None:
    services = MockServices()
    failures = {}
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await drive(j)
        for case in cases(file):
            if (problem := await refusal_problem(j, services, case)) is not None:
                failures[case["id"]] = problem
        await j.handle.terminate("corpus done")
    assert not failures, json.dumps(failures, indent=1)


async def stay_in_screening(j) -> None:
    pass


async def test_updates_refused_in_screening(workflow_env, task_queue):
    await run_stage(workflow_env, task_queue, "updates_screening.json", stay_in_screening)


async def test_updates_refused_in_baseline(workflow_env, task_queue):
    await run_stage(workflow_env, task_queue, "updates_baseline.json", pass_screening)


async def test_updates_refused_in_manufacturing(workflow_env, task_queue):
    await run_stage(workflow_env, task_queue, "updates_manufacturing.json", drive_to_manufacturing)


async def test_update_for_unknown_participant(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        for case in cases("updates_unknown_participant.json"):
            payload = RecordLabResultsInput.model_validate(
                resolve(case["payload"], await workflow_env.get_current_time())
            )
            with pytest.raises(JourneyNotFound) as refused:
                await record(workflow_env.client, case["participant"], case["update"], payload)
            assert case["error"] in refused.value.message
    assert services.events == []


async def test_age_outside_range_is_a_named_screen_failure(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        for case in cases("screen_failures.json"):
            today = (await workflow_env.get_current_time()).date()
            # Born on 1 January: exactly age_years old on any consent day of the year.
            j = await start_journey(
                workflow_env, task_queue, services, date_of_birth=date(today.year - case["age_years"], 1, 1)
            )
            await record_labs(j, GOOD_SCREENING_LABS)
            await record_eligibility(j)
            result = await j.handle.result()
            assert result.stage is Stage.SCREEN_FAILED, case["id"]
            assert case["error"] in result.failed_criteria, (case["id"], result.failed_criteria)


def cli_args(case: dict[str, Any], tmp_path: Path) -> list[str]:
    consent = {**VALID_CONSENT, **case.get("consent", {})}
    consent = {k: v for k, v in consent.items() if v is not None}
    consent_file = tmp_path / f"{case['id']}.json"
    consent_file.write_text(json.dumps(consent), encoding="utf-8")
    args = []
    for arg in case["args"]:
        if arg.startswith("{long:"):
            arg = "x" * int(arg[len("{long:") : -1])
        args.append(arg.replace("{consent}", str(consent_file)).replace("{raw}", str(CORPUS / "raw")))
    return args


def test_cli_and_starter_refuse_bad_input_before_connecting(tmp_path: Path, unreachable_env: dict[str, str]) -> None:  # noqa: F811
    failures = {}
    for case in cases("cli.json"):
        args = cli_args(case, tmp_path)
        stdin = json.dumps(case["stdin"]) if "stdin" in case else None
        if case.get("runner") == "starter":
            done = subprocess.run(
                [sys.executable, str(REPO / "starter.py"), *args[1:]],
                env={**os.environ, **unreachable_env}, capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False,
            )  # fmt: skip
            code, stderr, output = done.returncode, done.stderr, done.stdout + done.stderr
        else:
            result = invoke(args, unreachable_env, stdin)
            assert_no_traceback(result)
            code, stderr, output = result.exit_code, result.stderr, result.output
        if code == 0 or case["error"] not in stderr:
            failures[case["id"]] = f"exit {code}: {stderr.strip()[:300]}"
        elif "Traceback" in output or "Cannot reach" in output:
            # Reaching for the server would mean the bad input was not caught up front.
            failures[case["id"]] = f"got past validation: {output.strip()[:300]}"
    assert not failures, json.dumps(failures, indent=1)


def test_corpus_has_at_least_fifty_cases() -> None:
    files = [p.name for p in CORPUS.glob("*.json")]
    total = sum(len(cases(name)) for name in files)
    ids = [case["id"] for name in files for case in cases(name)]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert total >= 50, total
