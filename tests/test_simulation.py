"""The whole-trial simulator: a seeded run is reproducible, its summary is what the event
store holds, its outputs are written, and a stopping-rule pause is an outcome, not a crash.

Small runs (a handful of participants, a short follow-up amendment) take the same code
path as `itc simulate`: real workflows on the time-skipping server, the real event store.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from itc.base.errors import InvalidInput
from itc.eventstore.scratch import with_database
from itc.models.enums import ResponseCategory, Stage
from itc.rules.config import FollowUp, ProtocolConfig
from itc.simulation.capacity import monday
from itc.simulation.parameters import load_parameters
from itc.simulation.report import build_report, write_report
from itc.simulation.run import SimulationRun, run_simulation

# Nine months of follow-up instead of 24: fewer follow-up cycles, the same workflow code.
SHORT_PROTOCOL = ProtocolConfig(version="itc-1.0-sim-test", follow_up=FollowUp(duration_months=9))


def small_parameters(seed: int, **overrides: Any) -> Any:
    return load_parameters().model_copy(update={"seed": seed, "participants": 5, "recruitment_weeks": 6, **overrides})


async def simulate(server_dsn: str, seed: int, keep_database: bool = False, **overrides: Any) -> SimulationRun:
    return await run_simulation(
        small_parameters(seed, **overrides), SHORT_PROTOCOL, server_dsn, keep_database=keep_database
    )


@pytest.fixture(scope="module")
async def kept_run(pg_server_dsn: str) -> AsyncIterator[SimulationRun]:
    """Seed 11, with its event-store database kept for the test to read, then dropped."""
    run = await simulate(pg_server_dsn, 11, keep_database=True)
    try:
        yield run
    finally:
        admin = await asyncpg.connect(pg_server_dsn)
        try:
            name = run.database_dsn.rsplit("/", 1)[-1].split("?")[0]  # type: ignore[union-attr]
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(scope="module")
async def same_seed_run(pg_server_dsn: str) -> SimulationRun:
    return await simulate(pg_server_dsn, 11)


def outcome_rows(run: SimulationRun) -> list[dict[str, Any]]:
    _, outcomes, _ = build_report(run)
    return [o.as_row() for o in outcomes]


async def test_the_same_seed_gives_the_same_results(kept_run: SimulationRun, same_seed_run: SimulationRun) -> None:
    first, second = build_report(kept_run), build_report(same_seed_run)
    assert first[0] == second[0]  # the whole summary
    assert first[1] == second[1]  # every participant's outcome
    bookings = [
        [(b.participant_id, b.kind, b.day, b.cancelled) for b in run.services.bookings]
        for run in (kept_run, same_seed_run)
    ]
    assert bookings[0] == bookings[1]
    assert [e["type"] for e in kept_run.events] == [e["type"] for e in same_seed_run.events]


async def test_another_seed_gives_other_results(pg_server_dsn: str, kept_run: SimulationRun) -> None:
    other = await simulate(pg_server_dsn, 12)
    assert outcome_rows(other) != outcome_rows(kept_run)


async def test_summary_counts_are_the_event_stores(kept_run: SimulationRun) -> None:
    summary, _, disagreements = build_report(kept_run)
    assert disagreements == []  # event store and the workflows' final states agree
    conn = await asyncpg.connect(kept_run.database_dsn)
    try:

        async def participants_with(event_type: str) -> int:
            return await conn.fetchval(
                "SELECT count(DISTINCT participant_id) FROM journey_events WHERE type = $1", event_type
            )

        assert summary["enrolled"] == await participants_with("ConsentRecorded") == 5
        assert summary["screen_failures"] == await participants_with("ScreenFailed")
        assert summary["infused"] == await participants_with("InfusionAdministered")
        assert summary["dlts"] == await participants_with("DltDetected")
        assert summary["infusions_given"] == await conn.fetchval(
            "SELECT count(*) FROM journey_events WHERE type = 'InfusionAdministered'"
        )
        assert summary["events_in_store"] == await conn.fetchval("SELECT count(*) FROM journey_events")
        pfs = await conn.fetch(
            "SELECT (payload->>'event')::boolean AS event FROM journey_events WHERE type = 'PfsDetermined'"
        )
        assert summary["pfs"]["participants"] == len(pfs)
        assert summary["pfs"]["events"] == sum(1 for row in pfs if row["event"])
        final_stages = await conn.fetch(
            "SELECT DISTINCT ON (participant_id) payload->>'to' AS stage FROM journey_events "
            "WHERE type = 'StageChanged' ORDER BY participant_id, sequence DESC"
        )
        assert summary["final_stages"] == dict(Counter(row["stage"] for row in final_stages))
    finally:
        await conn.close()
    assert sum(summary["responses"].values()) == summary["infused"]


async def test_the_site_gets_the_week8_response_it_drew(kept_run: SimulationRun) -> None:
    # The simulator sizes lesions for the response it drew; the workflow's RECIST rules judge them.
    assessed = {
        e["participant_id"]: e["payload"]["response"] for e in kept_run.events if e["type"] == "ResponseAssessed"
    }
    assert assessed, "no participant reached the week-8 scan; pick another seed"
    for p in kept_run.participants:
        if p.participant_id in assessed:
            assert ResponseCategory(assessed[p.participant_id]) is p.fate.week8_response


async def test_outputs_are_written_and_the_forecast_counts_the_bookings(
    kept_run: SimulationRun, tmp_path: Path
) -> None:
    report = write_report(kept_run, tmp_path)
    for path in report.files.values():
        assert path.exists() and path.stat().st_size > 0, path
    assert json.loads(report.files["summary"].read_text())["enrolled"] == 5
    with report.files["capacity_csv"].open(newline="") as handle:
        weeks = list(csv.DictReader(handle))
    per_week = {row["week_start"]: int(row["infusion_chair_bookings"]) for row in weeks}
    booked = Counter(monday(b.day).isoformat() for b in kept_run.services.kept_bookings("infusion"))
    assert booked, "no infusion was booked; pick another seed"
    assert {week: n for week, n in per_week.items() if n} == dict(booked)
    assert sum(per_week.values()) == len(kept_run.services.kept_bookings("infusion"))
    assert min(date.fromisoformat(w) for w in per_week) == monday(kept_run.start.date())


async def test_the_report_has_the_cohorts_immune_and_marker_change_from_baseline(
    kept_run: SimulationRun, tmp_path: Path
) -> None:
    """Immune function and tumour markers as values: each infused participant's baseline and later
    values reach the cohort summary, computed from the journeys' own change-from-baseline series."""
    report = write_report(kept_run, tmp_path)
    with report.files["outcome_changes"].open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    baseline_nk = next(r for r in rows if r["code"] == "nk_cd56_cd3neg" and r["timepoint"] == "baseline")
    with_nk = [s for s in kept_run.final.values() if any(x.code == "nk_cd56_cd3neg" for x in s.outcome_series)]
    assert int(baseline_nk["participants"]) == len(with_nk) > 0
    infused = [s for s in kept_run.final.values() if s.infusions_given > 1]
    assert infused, "no participant had a second infusion; pick another seed"
    assert any(r["code"] == "nk_cd56_cd3neg" and r["timepoint"] == "before infusion 2" for r in rows)
    summary = json.loads(report.files["summary"].read_text())
    assert set(summary["change_at_response"]) <= {"nk_cd56_cd3neg", "ifn_gamma", "il_6", "ca15_3", "cea"}


async def test_a_stopping_rule_pause_is_an_outcome(pg_server_dsn: str) -> None:
    # Every infusion brings grade-3 CRS (a DLT): after three DLTs the trial pauses, later
    # infusions are refused, and the simulated supervisor takes those participants off study.
    base = small_parameters(5)
    run = await simulate(
        pg_server_dsn,
        5,
        participants=6,
        toxicity=base.toxicity.model_copy(update={"crs": {3: 1.0}, "onset_check_weights": {1: 1.0}}),
        screening=base.screening.model_copy(update={"failure_probability": 0.0}),
        manufacturing=base.manufacturing.model_copy(update={"failure_probability": 0.0}),
        death_hazard_per_month=0.0,
        withdrawal_probability=0.0,
    )
    summary, _, disagreements = build_report(run)
    assert disagreements == []
    assert summary["paused"] is True
    assert summary["dlts"] >= 3
    refused = [r for _, r in run.refusals if "paused" in r.message.lower()]
    assert refused, "no Update was refused while paused"
    assert all(run.final[p.participant_id].stage.is_terminal for p in run.participants if p.enrolled)
    assert any(s.stage is Stage.OFF_STUDY for s in run.final.values())


def test_a_bad_parameters_file_is_reported_line_by_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "seed: 1\nstart_date: 2030-01-07\nparticipants: 0\nbogus: 2\nmanufacturing: {milestone_days: {}}\nprogression_hazard_per_month: {CR: 1, PR: 1, SD: 1}\n"
    )
    with pytest.raises(InvalidInput) as caught:
        load_parameters(bad)
    text = "\n".join(caught.value.lines)
    assert "participants" in text and "bogus" in text and "milestone_days needs a spread" in text
    broken = tmp_path / "broken.yaml"
    broken.write_text("seed: [1\n")
    with pytest.raises(InvalidInput, match="not valid YAML"):
        load_parameters(broken)


def test_with_database_keeps_the_server() -> None:
    assert with_database("postgresql://u@h:5/itc?host=/tmp", "x") == "postgresql://u@h:5/x?host=/tmp"
