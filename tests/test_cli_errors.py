"""The CLI's expected failures: one readable line each, a non-zero exit, never a traceback.
None of these needs a server: the staff commands are signed in (`itc login`) to an API that is
not running."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from offline_login import OFFLINE_PERSON, signed_in_offline
from typer.testing import CliRunner

from itc.cli.main import app
from itc.runtime.devstack import free_port

VALID_CONSENT: dict[str, Any] = {
    "participant_id": "ITC-007",
    "consent_date": "2026-01-05",
    "consent_form_version": "ICF-2.1",
    "date_of_birth": "1971-06-30",
    "sex": "female",
    "height_cm": 162,
    "weight_kg": 60,
    "er_status": "positive",
    "pr_status": "negative",
    "her2_status": "negative",
    "site": "SITE-01",
    # The person signed in: `itc start` refuses a consent file naming anyone else.
    "actor_id": OFFLINE_PERSON,
    "role": "operations",
}


@pytest.fixture
def unreachable_env(tmp_path: Path) -> dict[str, str]:
    # A port nothing listens on, so "cannot connect" is deterministic and fast.
    return {
        "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "DATABASE_URL": f"postgresql://itc:secret@127.0.0.1:{free_port()}/itc",
        "ITC_DATA_DIR": str(tmp_path / "data"),
        "ITC_PROTOCOL_FILE": "",
        "LOG_FORMAT": "json",
        **signed_in_offline(tmp_path),
    }


def invoke(args: list[str], env: dict[str, str], stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, args, env=env, input=stdin, catch_exceptions=False)


def write(tmp_path: Path, data: Any, name: str = "consent.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def assert_no_traceback(result: Any) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_bad_consent_file_lists_each_problem_and_exits_2(tmp_path: Path, unreachable_env: dict[str, str]) -> None:
    consent = {**VALID_CONSENT, "height_cm": 50, "sex": "unknown", "surname": "Smith"}
    result = invoke(["start", "--consent-file", str(write(tmp_path, consent))], unreachable_env)

    assert result.exit_code == 2
    assert "height_cm: Input should be greater than or equal to 100" in result.stderr
    assert "sex: Input should be 'female', 'male' or 'other'" in result.stderr
    assert "surname: Extra inputs are not permitted" in result.stderr
    # It never got as far as connecting: a bad record must not depend on the server.
    assert "Cannot reach" not in result.output
    assert_no_traceback(result)


def test_model_level_problem_reads_without_pydantic_prefix(tmp_path: Path, unreachable_env: dict[str, str]) -> None:
    consent = {**VALID_CONSENT, "date_of_birth": "2026-02-01"}
    result = invoke(["start", "--consent-file", str(write(tmp_path, consent))], unreachable_env)

    assert result.exit_code == 2
    assert "date_of_birth must be before consent_date" in result.stderr
    assert "Value error" not in result.stderr
    assert_no_traceback(result)


def test_future_consent_date_is_refused(tmp_path: Path, unreachable_env: dict[str, str]) -> None:
    future = (date.today() + timedelta(days=3)).isoformat()
    result = invoke(
        ["start", "--consent-file", str(write(tmp_path, VALID_CONSENT)), "--consent-date", future],
        unreachable_env,
    )

    assert result.exit_code == 2
    assert f"consent_date: {future} is in the future" in result.stderr
    assert_no_traceback(result)


def test_age_outside_protocol_range_is_left_to_screening(tmp_path: Path, unreachable_env: dict[str, str]) -> None:
    # An 80-year-old passes the start checks (screening will fail her), so the command gets
    # as far as sending it to the API.
    consent = {**VALID_CONSENT, "date_of_birth": "1945-01-01"}
    result = invoke(["start", "--consent-file", str(write(tmp_path, consent))], unreachable_env)

    assert "Cannot reach the API" in result.stderr
    assert_no_traceback(result)


def test_a_consent_file_naming_another_actor_is_refused_before_sending_21_cfr_11_10_d(
    tmp_path: Path, unreachable_env: dict[str, str]
) -> None:
    """The actor recorded is the person signed in (21 CFR 11.10(d), 11.50): a consent file naming
    someone else is refused, naming the field and the person, not silently replaced."""
    consent = {**VALID_CONSENT, "actor_id": "dr.karimi"}
    result = invoke(["start", "--consent-file", str(write(tmp_path, consent))], unreachable_env)

    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"consent file: actor_id names dr.karimi, but you are signed in as {OFFLINE_PERSON}"
    ), result.stderr
    # Refused before anything was sent: the unreachable API was never tried.
    assert "Cannot reach" not in result.output
    assert_no_traceback(result)

    # Without an actor in the file, the person signed in is the actor: the start is sent.
    del consent["actor_id"]
    result = invoke(["start", "--consent-file", str(write(tmp_path, consent))], unreachable_env)
    assert result.exit_code == 3 and "Cannot reach the API" in result.stderr, result.output


def test_non_utf8_consent_file(tmp_path: Path, unreachable_env: dict[str, str]) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps({**VALID_CONSENT, "site": "SITE-\u00e9"}, ensure_ascii=False).encode("latin-1"))
    result = invoke(["start", "--consent-file", str(path)], unreachable_env)

    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert_no_traceback(result)


def test_malformed_json_and_missing_file(tmp_path: Path, unreachable_env: dict[str, str]) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"participant_id": "ITC-007",', encoding="utf-8")
    result = invoke(["start", "--consent-file", str(broken)], unreachable_env)
    assert result.exit_code == 2
    assert "not valid JSON (line 1" in result.stderr
    assert_no_traceback(result)

    result = invoke(["start", "--consent-file", str(tmp_path / "absent.json")], unreachable_env)
    assert result.exit_code == 2
    assert "no such file" in result.stderr
    assert_no_traceback(result)


def test_cannot_reach_the_api_is_one_clear_line(tmp_path: Path, unreachable_env: dict[str, str]) -> None:
    result = invoke(["start", "--consent-file", str(write(tmp_path, VALID_CONSENT))], unreachable_env)

    assert result.exit_code == 3
    url = unreachable_env["ITC_API_URL"]
    assert result.stderr.strip() == (
        f"Cannot reach the API at {url} (ConnectionRefusedError): is `itc dev` or `itc serve` running? Set ITC_API_URL."
    )
    assert_no_traceback(result)


def test_cannot_reach_the_api_for_status_and_record(unreachable_env: dict[str, str]) -> None:
    for args in (
        ["status", "ITC-007"],
        ["timeline", "ITC-007"],
        [
            "record", "lab-results", "--participant", "ITC-007", "--actor", "nurse.a", "--role", "operations",
            "--result", "creatinine=1.1", "--result", "alt=35:uln=40", "--result", "ecg=normal",
            "--collected-at", "2026-01-06T09:00:00Z",
        ],
    ):  # fmt: skip
        result = invoke(args, unreachable_env)
        assert result.exit_code == 3, args
        assert f"Cannot reach the API at {unreachable_env['ITC_API_URL']}" in result.stderr, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert_no_traceback(result)


def test_cannot_reach_postgres_hides_the_password(unreachable_env: dict[str, str]) -> None:
    """An administrative command, the kind that reaches the database directly."""
    result = invoke(["rebuild-projections"], unreachable_env)

    assert result.exit_code != 0
    assert "Cannot reach PostgreSQL at 127.0.0.1:" in result.stderr
    assert "secret" not in result.output
    assert_no_traceback(result)


def test_record_input_is_validated_before_connecting(unreachable_env: dict[str, str]) -> None:
    base = ["record", "lab-results", "--participant", "ITC-007", "--actor", "nurse.a", "--result", "creatinine=1.1"]

    result = invoke([*base, "--collected-at", "2026-01-06T09:00:00"], unreachable_env)
    assert result.exit_code == 2
    assert "results.0.collected_at: must include a time zone" in result.stderr

    result = invoke([*base, "--result", "ecg=12", "--collected-at", "2026-01-06T09:00:00Z"], unreachable_env)
    assert result.exit_code == 2
    assert "results.1: ecg needs an interpretation, not a number" in result.stderr
    assert "Cannot reach" not in result.output
    assert_no_traceback(result)


def test_record_flag_syntax_and_participant_id_errors(unreachable_env: dict[str, str]) -> None:
    result = invoke(["record", "lab-results", "-p", "ITC-007", "-a", "n.a", "--result", "creatinine"], unreachable_env)
    assert result.exit_code == 2
    assert "expected CODE=VALUE" in result.stderr

    result = invoke(["record", "scan", "-p", "ITC-007", "-a", "n.a", "--lesion", "L1-lung-20"], unreachable_env)
    assert result.exit_code == 2
    assert "expected ID:ORGAN:MM[:node]" in result.stderr

    result = invoke(["status", "patient 7"], unreachable_env)
    assert result.exit_code == 2
    assert "is not a study ID like ITC-007" in result.stderr


def test_record_json_from_stdin_is_validated(unreachable_env: dict[str, str]) -> None:
    result = invoke(
        ["record", "biopsy", "--participant", "ITC-007", "--actor", "nurse.a", "--json", "-"],
        unreachable_env,
        stdin=json.dumps({"sample_id": "BX 1", "collected_at": "2026-01-06T09:00:00Z"}),
    )
    assert result.exit_code == 2
    assert "sample_id: String should match pattern" in result.stderr
    assert_no_traceback(result)


def test_invalid_settings_are_reported(unreachable_env: dict[str, str]) -> None:
    # An administrative command: the staff commands read no settings of their own.
    result = invoke(["migrate"], {**unreachable_env, "LOG_FORMAT": "xml"})
    assert result.exit_code == 2
    assert "log_format: Input should be 'auto', 'json' or 'console'" in result.stderr


@pytest.mark.slow  # runs starter.py in a fresh interpreter per case
def test_starter_script_reports_like_the_cli(tmp_path: Path, unreachable_env: dict[str, str]) -> None:
    repo = Path(__file__).resolve().parents[1]
    consent = {**VALID_CONSENT, "weight_kg": 400}
    completed = subprocess.run(
        [sys.executable, str(repo / "starter.py"), "--consent-file", str(write(tmp_path, consent))],
        env={**os.environ, **unreachable_env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert completed.returncode == 2
    assert "weight_kg: Input should be less than or equal to 300" in completed.stderr
    assert "Traceback" not in completed.stderr
