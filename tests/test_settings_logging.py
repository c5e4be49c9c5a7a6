"""Settings come from the environment; every log line has one JSON shape and no PHI."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest
import structlog

from itc.base.logging import bind_journey, configure_logging, get_logger, unbind_journey
from itc.base.settings import Settings
from itc.drivers.env_journey import consent_record
from itc.models.inputs import ConsentRecord

DOB = date(1971, 6, 30)


@pytest.fixture
def consent() -> ConsentRecord:
    return consent_record(
        "ITC-007", date(2026, 1, 5), date_of_birth=DOB, height_cm=162, weight_kg=60.5, site="SITE-01", actor_id="ops.a"
    )


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# ---------------------------------------------------------------- settings


def test_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TEMPORAL_ADDRESS", "DATABASE_URL", "TASK_QUEUE", "ITC_DATA_DIR", "ITC_PROTOCOL_FILE", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.temporal_address is None
    assert settings.database_url is None
    assert settings.temporal_namespace == "default"
    assert settings.task_queue == "itc-journeys"
    assert settings.itc_data_dir == Path(".itc-data")
    assert settings.effective_temporal_address == "127.0.0.1:7233"
    assert settings.ui_url == "http://127.0.0.1:8233"
    assert settings.protocol().version == "itc-1.0"


def test_settings_read_env_vars(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    protocol = tmp_path / "amendment.yaml"
    protocol.write_text("version: itc-1.1\ntarget_enrolment: 40\n", encoding="utf-8")
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal.example:7233")
    monkeypatch.setenv("TEMPORAL_NAMESPACE", "itc")
    monkeypatch.setenv("TASK_QUEUE", "itc-test")
    monkeypatch.setenv("DATABASE_URL", "postgresql://itc@db.example/itc")
    monkeypatch.setenv("ITC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ITC_PROTOCOL_FILE", str(protocol))
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("DEV_TEMPORAL_PORT", "17233")

    settings = Settings()

    assert settings.temporal_address == "temporal.example:7233"
    assert settings.effective_temporal_address == "temporal.example:7233"
    assert settings.temporal_namespace == "itc"
    assert settings.task_queue == "itc-test"
    assert settings.database_url == "postgresql://itc@db.example/itc"
    assert settings.itc_data_dir == tmp_path
    assert settings.log_format == "json"
    assert settings.dev_temporal_port == 17233
    loaded = settings.protocol()
    assert (loaded.version, loaded.target_enrolment) == ("itc-1.1", 40)


def test_blank_env_vars_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "")
    monkeypatch.setenv("DATABASE_URL", "  ")
    settings = Settings()
    assert settings.temporal_address is None
    assert settings.database_url is None


# ---------------------------------------------------------------- logging


def test_json_lines_carry_bound_journey_ids_and_no_dob(
    capsys: pytest.CaptureFixture[str], consent: ConsentRecord
) -> None:
    configure_logging("json", "INFO")
    tokens = bind_journey("journey-ITC-007")
    try:
        # The worst case: someone logs the whole consent record, and a raw DOB/weight too.
        get_logger("test").info("consent recorded", consent=consent, date_of_birth=str(DOB), weight_kg=60.5)
    finally:
        unbind_journey(tokens)

    output = capsys.readouterr().out
    (line,) = json_lines(output)
    assert line["event"] == "consent recorded"
    assert line["workflow_id"] == "journey-ITC-007"
    assert line["participant_id"] == "ITC-007"
    assert line["level"] == "info"
    assert line["timestamp"].endswith("Z")
    assert line["consent"]["site"] == "SITE-01"
    # The line's own time is left out of the search: its six digits of microseconds hold a "162"
    # in about one line in 250, which is the clock, not the height.
    searched = output.replace(line["timestamp"], "")
    for phi in (DOB.isoformat(), "1971", "60.5", "162"):
        assert phi not in searched


def test_stdlib_loggers_share_the_shape(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json", "INFO")
    structlog.contextvars.bind_contextvars(workflow_id="journey-ITC-008", participant_id="ITC-008")
    logging.getLogger("temporalio.worker").warning("activity retry %s", 2)
    logging.getLogger("temporalio.activity").info(
        "from an activity",
        extra={"temporal_activity": {"workflow_id": "journey-ITC-009", "activity_type": "append_events"}},
    )
    structlog.contextvars.clear_contextvars()
    logging.getLogger("temporalio.activity").info(
        "no context bound",
        extra={"temporal_activity": {"workflow_id": "journey-ITC-010", "activity_type": "order_labs"}},
    )

    first, second, third = json_lines(capsys.readouterr().out)
    assert first["event"] == "activity retry 2"
    assert first["logger"] == "temporalio.worker"
    assert first["level"] == "warning"
    assert first["workflow_id"] == "journey-ITC-008"
    assert "timestamp" in first
    # Bound context wins over the SDK's extras; both are present and consistent in practice.
    assert second["workflow_id"] == "journey-ITC-008"
    assert second["activity_type"] == "append_events"
    assert third["workflow_id"] == "journey-ITC-010"
    assert third["participant_id"] == "ITC-010"
    assert set(first) >= {"event", "level", "logger", "timestamp"}


def test_console_format_is_not_json(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("console", "INFO")
    get_logger("test").info("hello", participant_id="ITC-007")
    output = capsys.readouterr().out
    assert "hello" in output
    with pytest.raises(json.JSONDecodeError):
        json.loads(output.splitlines()[0])


def test_auto_format_is_json_when_stdout_is_not_a_tty(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("auto", "INFO")
    get_logger("test").info("piped")
    (line,) = json_lines(capsys.readouterr().out)
    assert line["event"] == "piped"
