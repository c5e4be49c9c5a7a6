"""A refused command names the flag the person typed (or would type) and says how to fix it,
not the input model's field names (`actor_id: Field required`). None of these needs a server:
input is checked before connecting (the machine is signed in, its API not running)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from offline_login import signed_in_offline
from typer.testing import CliRunner

from itc.actions import STAFF_ACTIONS
from itc.base.errors import InvalidInput
from itc.base.json_input import validate_model
from itc.cli.flag_names import how_to_give, name_flags
from itc.cli.main import app
from itc.runtime.devstack import free_port


@pytest.fixture
def offline_env(tmp_path: Path) -> dict[str, str]:
    return {
        "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "DATABASE_URL": f"postgresql://itc:secret@127.0.0.1:{free_port()}/itc",
        "ITC_DATA_DIR": str(tmp_path / "data"),
        "ITC_PROTOCOL_FILE": "",
        "ITC_ROLE": "",
        **signed_in_offline(tmp_path),
    }


def refused(args: list[str], env: dict[str, str]) -> list[str]:
    result: Any = CliRunner().invoke(app, args, env=env, catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return [line.strip() for line in result.stderr.splitlines()]


def test_a_missing_flag_is_named_with_what_to_type(offline_env: dict[str, str]) -> None:
    lines = refused(["record", "withdrawal", "--participant", "ITC-007", "--role", "operations"], offline_env)
    assert "--withdrawn-at: missing; add --withdrawn-at TIME" in lines
    assert not [line for line in lines if "actor_id" in line or "withdrawn_at" in line]
    # Signed in, the person is the actor, so a command never lacks one; the record commands'
    # shared flags still name a missing actor the same way.
    spec = next(spec for spec in STAFF_ACTIONS if spec.action.value == "withdrawal")
    with pytest.raises(InvalidInput) as missing:
        validate_model(spec.input_model, {"role": "operations"}, "input")
    named = name_flags(missing.value, {"role": "operations"}, how_to_give(record_leading_flags()))
    assert "--actor: missing; add --actor STAFF-ID" in named.lines
    assert not [line for line in named.lines if "actor_id" in line]


def record_leading_flags() -> tuple[inspect.Parameter, ...]:
    from itc.cli.record import _LEADING

    return _LEADING


def test_a_missing_on_off_flag_offers_both_spellings(offline_env: dict[str, str]) -> None:
    args = ["record", "eligibility", "-p", "ITC-007", "-a", "dr.lee", "--role", "operations", "--metastasis-count", "1"]
    lines = refused(args, offline_env)
    assert "--progressed: missing; add --progressed or --not-progressed" in lines
    assert "--advanced-breast-cancer: missing; add --advanced-breast-cancer or --no-advanced-breast-cancer" in lines
    assert not [line for line in lines if "progressed_on_chemo_or_radiotherapy" in line]


def test_a_missing_choice_lists_the_choices(offline_env: dict[str, str]) -> None:
    lines = refused(["start", "--participant-id", "ITC-007", "--consent-date", "2026-01-05"], offline_env)
    assert "--er: missing; add --er positive|negative|unknown" in lines
    assert not [line for line in lines if "er_status" in line]


def test_a_lab_result_without_a_time_names_the_result_and_both_fixes(offline_env: dict[str, str]) -> None:
    args = ["record", "lab-results", "-p", "ITC-007", "-a", "nurse.lee", "--role", "operations"]
    lines = refused([*args, "--result", "creatinine=2.4", "--result", "alt=30:uln=40"], offline_env)
    assert lines[1] == (
        "results.0.collected_at: Field required (given as --result) for creatinine (#1); "
        "add --collected-at TIME for every result, or :at=TIME to this one"
    )
    assert "(given as --result) for alt (#2)" in lines[2]


def test_a_field_missing_from_a_file_keeps_the_files_name_and_offers_the_flag(
    offline_env: dict[str, str], tmp_path: Path
) -> None:
    consent = tmp_path / "consent.json"
    consent.write_text(json.dumps({"participant_id": "ITC-007"}), encoding="utf-8")
    lines = refused(["start", "--consent-file", str(consent)], offline_env)
    assert "site: Field required; add 'site' to the file or give --site SITE" in lines


def test_a_refused_trial_resume_names_the_flag(offline_env: dict[str, str]) -> None:
    lines = refused(["trial", "resume", "--actor", "dr.karimi", "--role", "supervisor", "--reason", "ok"], offline_env)
    assert lines[1].startswith("reason: ") and lines[1].endswith("(given as --reason)")
