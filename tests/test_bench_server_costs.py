"""`python -m bench.server_costs`: each kind of work is measured on a fresh stack and reported.

Not a timed test: it checks that every variant ran and was charged some of the dev server's
CPU, not how much.
"""

from __future__ import annotations

import pytest

from bench.server_costs import ACTIVITY_VARIANTS, measure, table

pytestmark = [pytest.mark.slow, pytest.mark.realstack]


async def test_every_kind_of_work_is_measured_and_tabled() -> None:
    # The kernel counts a process's CPU in ticks of 10 ms: each phase must cost the server
    # many ticks, or a fast machine reads 0 (5 describes once did, on a quiet machine).
    result = await measure(workflows=2, activities=10, repeats=1, calls=60)

    assert list(result["server_cpu_ms_per_activity"]) == list(ACTIVITY_VARIANTS)
    assert all(len(figures) == 1 for figures in result["server_cpu_ms_per_activity_each_repeat"].values())
    # The server did work for every variant and call: a figure of 0 would mean its CPU was not read.
    assert all(ms > 0 for ms in result["server_cpu_ms_per_activity"].values())
    assert set(result["server_cpu_ms_per_call"]) == {"describe", "query"}
    assert all(ms > 0 for ms in result["server_cpu_ms_per_call"].values())
    rows = table(result).splitlines()
    assert len(rows) == 2 + len(ACTIVITY_VARIANTS) + 2
    assert rows[3].startswith("| + search-attribute upsert (per activity) |")
