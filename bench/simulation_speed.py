"""Wall time of the 32-participant simulation (simulation.run), when the repository has one.

The simulator is timed as `itc simulate` runs it: default parameters, the default protocol,
a fresh database on the bench's PostgreSQL. Without a simulator the section says so.
"""

from __future__ import annotations

import time
from typing import Any

from itc.rules.config import DEFAULT_PROTOCOL

TARGET_SECONDS = 30.0


async def measure(server_dsn: str, quick: bool) -> dict[str, Any]:
    try:
        from itc.simulation.parameters import load_parameters
        from itc.simulation.run import run_simulation
    except ImportError as error:
        return {"available": False, "note": f"no simulator to run ({error})", "target_seconds": TARGET_SECONDS}
    if quick:
        return {
            "available": True,
            "measured": False,
            "note": "not run in --quick: it is a full-size run",
            "target_seconds": TARGET_SECONDS,
        }
    params = load_parameters()
    started = time.perf_counter()
    try:
        run = await run_simulation(params, DEFAULT_PROTOCOL, server_dsn)
    except Exception as error:  # a broken simulator must not cost the other figures
        return {
            "available": True,
            "measured": False,
            "note": f"the simulation failed: {error!r}",
            "target_seconds": TARGET_SECONDS,
        }
    seconds = time.perf_counter() - started
    return {
        "available": True,
        "measured": True,
        "participants": params.participants,
        "seed": params.seed,
        "events": len(run.events) if hasattr(run, "events") else None,
        "seconds": round(seconds, 2),
        "target_seconds": TARGET_SECONDS,
        "met": seconds < TARGET_SECONDS,
    }
