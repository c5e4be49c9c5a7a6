"""The reading commands answer quickly because they import only what they print: no action
registry, no input models, no Temporal. Each runs here as the console script runs it, in a fresh
process signed in to an API that is not running, and names what it loaded on its way out; what
they print without those models is the same as the models print."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from offline_login import signed_in_offline

from itc.actions import ACTIONS, STAFF_ACTIONS
from itc.api.action_words import ACTION_LABELS, UPDATE_LABELS
from itc.cli import api_commands, entry, read_commands, staff_commands
from itc.cli.render import answer_json, to_json
from itc.models.enums import Milestone, SaeClockKind, Stage
from itc.models.state import AdverseEventRecord, DueAction, JourneyStatus, MilestoneRecord, SaeClock
from itc.models.timeline import TimelineEntry
from itc.rules.config import DEFAULT_PROTOCOL
from itc.rules.dose import plan_dose

HEAVY = ("temporalio", "itc.actions.registry", "itc.models.inputs", "itc.models.state", "pydantic_settings")
READING = [
    ["status", "ITC-007"],
    ["status", "ITC-007", "--json"],
    ["timeline", "ITC-007"],
    ["audit", "ITC-007"],
    ["chain", "ITC-007"],
    ["list"],
    ["trial", "status"],
    ["whoami"],
]
AT = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)


def run_entry(args: list[str], env: dict[str, str]) -> tuple[int, list[str], str]:
    """The console script's path for `args`; the modules of HEAVY it loaded are printed at exit
    (`itc.base.process_exit` runs the exit handlers before ending the process)."""
    probe = (
        "import atexit, json, sys\n"
        f"atexit.register(lambda: print(json.dumps([m for m in {HEAVY!r} if m in sys.modules])))\n"
        "from itc.cli.entry import main\n"
        f"main({args!r})\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    return completed.returncode, json.loads(completed.stdout.strip().splitlines()[-1]), completed.stderr


@pytest.mark.slow  # each case probes a fresh interpreter
@pytest.mark.parametrize("args", READING, ids=lambda args: " ".join(args))
def test_a_reading_command_loads_no_registry_input_models_or_temporal(args: list[str], tmp_path: Path) -> None:
    env = {**os.environ, **signed_in_offline(tmp_path)}
    code, loaded, stderr = run_entry(args, env)
    # It got as far as asking the API (not running here: exit 3), past every import it makes.
    assert code == 3 and "Cannot reach the API" in stderr, stderr
    assert loaded == []


@pytest.mark.slow  # probes a fresh interpreter
def test_a_record_command_loads_the_registry_but_neither_the_journey_state_nor_temporal(tmp_path: Path) -> None:
    env = {**os.environ, **signed_in_offline(tmp_path)}
    args = ["record", "withdrawal", "-p", "ITC-007", "--reason", "moved away", "--withdrawn-at", "2026-01-06T09:00:00Z"]
    code, loaded, stderr = run_entry(args, env)
    assert code == 3 and "Cannot reach the API" in stderr, stderr
    assert loaded == ["itc.actions.registry", "itc.models.inputs"]


def command_names(app: typer.Typer) -> set[str]:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    return set(group.commands)


def test_the_console_script_sends_each_command_to_the_app_that_has_it() -> None:
    assert command_names(read_commands.app) == entry.READ_COMMANDS
    assert command_names(api_commands.app) == entry.API_COMMANDS
    assert command_names(staff_commands.app) == entry.STAFF_COMMANDS


def test_the_light_action_labels_are_the_registrys() -> None:
    assert {spec.action: spec.label for spec in ACTIONS.values()} == ACTION_LABELS
    assert list(ACTION_LABELS) == list(ACTIONS)
    assert {staff.update: staff.label for staff in STAFF_ACTIONS} == UPDATE_LABELS


def journey_status() -> JourneyStatus:
    fields: dict[str, Any] = {
        "participant_id": "ITC-007", "site": "SITE-Zürich", "protocol_version": "itc-1.0",
        "stage": Stage.MANUFACTURING, "stage_entered_at": AT,
        "next_due": [DueAction(action="milestone", label="Manufacturing milestone", due_at=AT, window_end=AT)],
        "infusions_given": 0, "infusions": [], "infusions_discontinued": False,
        "open_adverse_events": [
            AdverseEventRecord(ae_id="AE-1", term="Fièvre", category="crs", grade=2, attribution="possible",
                               serious=False, unexpected=False, onset_at=AT, recorded_sequence=9)
        ],
        "worst_ae_grade": 2, "dlt": False, "dlt_description": None,
        "dose_plan": plan_dose(164, 61.5, DEFAULT_PROTOCOL.dosing), "biopsy_attempts": 1,
        "manufacturing_milestones": [MilestoneRecord(milestone=Milestone.BIOPSY_RECEIVED, occurred_at=AT)],
        "awaiting_supervisor_decision": False,
        "open_sae_clocks": [SaeClock(ae_id="AE-1", clock=SaeClockKind.SPONSOR, started_at=AT, due_at=AT)],
        "response": None, "confirmed_response": None, "pfs": None, "end_reason": None,
        "failed_criteria": [], "deviations": ["Biopsy collected 2 h late — écart noté"],
        "trial_paused": False, "trial_pause_reason": None, "last_sequence": 12, "run_count": 1,
    }  # fmt: skip
    return JourneyStatus(**fields)


def test_printed_json_is_the_models_own_for_status_and_timeline() -> None:
    """`--json` prints the API's answer as the journey's models print themselves, non-ASCII text,
    floats and times alike, though the command no longer builds those models."""
    status = journey_status()
    assert answer_json(json.loads(status.model_dump_json())) == status.model_dump_json(indent=2)

    entries = [TimelineEntry(sequence=1, type="ConsentRecorded", occurred_at=AT, actor="ops.a", summary="Zürich")]
    assert to_json([entry.model_dump(mode="json") for entry in entries]) == to_json(entries)
