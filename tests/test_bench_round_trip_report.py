"""How the round-trip benchmark's loads read in the summary: "up to" covers only loads that all held.

Rendering only, from hand-made results: no stack is started (the smoke test runs the benchmark).
"""

from __future__ import annotations

from typing import Any

from bench.report import _lighter_loads_note


def _entry(lanes: int, p99: float, failed: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "driving_lanes": lanes,
        "cpu_cores_busy": 1.5,
        "lanes_failed": list(failed),
        "round_trip_ms": {"p99": p99},
        "met": p99 < 150 and not failed,
    }


def _note(*entries: dict[str, Any]) -> str:
    return _lighter_loads_note({"target_p99_ms": 150.0, "by_load": [*entries, _entry(8, 400.0)]})


def test_up_to_names_the_last_of_the_loads_that_held_from_the_lightest_on():
    note = _note(_entry(1, 100.0), _entry(2, 120.0), _entry(4, 200.0))
    assert note.endswith("p99 under 150 ms with up to 2 driven")


def test_a_load_that_held_after_one_that_did_not_is_not_covered_by_up_to():
    note = _note(_entry(1, 100.0), _entry(2, 200.0), _entry(4, 140.0))
    assert note.endswith("p99 under 150 ms with up to 1 driven")


def test_a_failed_lane_is_not_a_load_that_held():
    note = _note(_entry(1, 100.0, failed=("TimeoutError",)), _entry(2, 120.0))
    assert note.endswith("the target held at none of them")


def test_without_lighter_loads_nothing_is_added():
    assert _lighter_loads_note({"target_p99_ms": 150.0, "by_load": [_entry(8, 400.0)]}) == ""
