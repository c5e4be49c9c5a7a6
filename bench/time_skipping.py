"""Time-skipping speed: wall time of one full 2-year journey on the test server.

(The 32-participant simulation, the other half of this section, is bench.simulation_speed.)
"""

from __future__ import annotations

import statistics
from typing import Any

from temporalio.testing import WorkflowEnvironment

from bench.full_journey import FullJourneyRun, run_full_journey

TARGET_JOURNEY_SECONDS = 1.0


async def measure(env: WorkflowEnvironment, repeats: int) -> tuple[dict[str, Any], FullJourneyRun]:
    runs = [await run_full_journey(env) for _ in range(repeats)]
    seconds = [run.seconds for run in runs]
    median = statistics.median(seconds)
    return {
        "full_journey": {
            "follow_up_months": 24,
            "repeats": repeats,
            "seconds_median": round(median, 3),
            "seconds_min": round(min(seconds), 3),
            "seconds_max": round(max(seconds), 3),
            "target_seconds": TARGET_JOURNEY_SECONDS,
            "met": median < TARGET_JOURNEY_SECONDS,
        },
    }, runs[-1]
