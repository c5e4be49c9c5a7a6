"""Run every benchmark and write bench/results.json and bench/RESULTS.md.

python -m bench            # the real run (16 minutes on 2 cores in one run of 2026-12-02, 6 in another on a faster host)
python -m bench --quick    # CI smoke mode: small N, shows that every stage works
python -m bench --only ceiling-vs-journey  # journeys against both ceilings on its own stack; merged likewise
python -m bench --only ceiling-vs-journey --journeys 20 --rounds 1   # a smaller look at the same
python -m bench --only action-round-trip   # one case on its own stack; merged into results.json
python -m bench --only cli-through-api     # likewise: itc status and itc whoami as fresh processes
python -m bench.readme     # then copy the summary table into README.md
python -m bench.server_costs  # on its own: the dev server's CPU per upsert, marker, heartbeat, describe, query
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

from bench import (
    action_round_trip,
    ceiling_vs_journey,
    cli_through_api,
    event_store_rate,
    history_cost,
    list_latency,
    query_latency,
    simulation_speed,
    time_skipping,
)
from bench.environment import environment
from bench.fresh_database import fresh_database
from bench.full_journey import time_skipping_env
from bench.live_context import LiveContext, live_context
from bench.results import JSON_NAME, read_results, write_results
from itc.base.logging import configure_logging


@dataclass(frozen=True)
class Sizes:
    journeys: int
    rounds: int
    query_targets: int
    query_lanes: int
    query_samples: int
    list_participants: int
    list_repeats: int
    events_per_case: int
    journey_repeats: int
    action_targets: int
    action_samples: int
    # Lighter background loads the round trip is also timed under, below query_lanes.
    action_lighter_lanes: tuple[int, ...]


FULL = Sizes(
    journeys=50,
    rounds=3,
    query_targets=10,
    query_lanes=8,
    query_samples=1000,
    list_participants=10_000,
    list_repeats=30,
    events_per_case=5_000,
    journey_repeats=5,
    action_targets=10,
    action_samples=300,
    action_lighter_lanes=(1, 2, 4),
)
QUICK = Sizes(
    journeys=3,
    rounds=1,
    query_targets=2,
    query_lanes=2,
    query_samples=40,
    list_participants=200,
    list_repeats=5,
    events_per_case=200,
    journey_repeats=1,
    action_targets=2,
    action_samples=20,
    action_lighter_lanes=(1,),
)
STAGES = 10


class Progress:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.stage = 0

    def __call__(self, message: str) -> None:
        self.stage += 1
        print(
            f"[bench {self.stage}/{STAGES} +{time.perf_counter() - self.started:5.1f}s] {message}",
            file=sys.stderr,
            flush=True,
        )


async def run(sizes: Sizes, quick: bool) -> dict[str, Any]:
    # Other work on the machine shows in every figure; the CPU tables count it per phase too.
    load_at_start = round(os.getloadavg()[0], 2)
    progress = Progress()
    progress(f"time-skipping: full 2-year journey x {sizes.journey_repeats}")
    async with time_skipping_env() as env:
        skipping, two_year = await time_skipping.measure(env, sizes.journey_repeats)
        progress("history cost: every run of a 2-year and a 10-year journey")
        history = await history_cost.measure(env, two_year)
    template = sorted(two_year.services.events, key=lambda event: event.sequence)

    with tempfile.TemporaryDirectory(prefix="itc-bench-") as tmp:
        progress("starting the Temporal dev server, PostgreSQL and the worker process")
        async with live_context(Path(tmp)) as ctx:
            progress(f"journey vs ceiling: {sizes.journeys} journeys to first infusion, {sizes.rounds} round(s)")
            ceiling = await ceiling_vs_journey.measure(ctx, sizes.journeys, sizes.rounds)
            progress(f"get_state latency: {sizes.query_samples} queries, {sizes.query_lanes} journeys driven meanwhile")
            queries = await query_latency.measure(ctx, sizes.query_targets, sizes.query_lanes, sizes.query_samples)
            progress(
                f"staff-action round trip: {sizes.action_samples} API POSTs under each of "
                f"{(*sizes.action_lighter_lanes, sizes.query_lanes)} journeys driven meanwhile"
            )
            round_trip = await measure_round_trip(ctx, sizes)
            progress(
                f"event-store write rate: batches of {event_store_rate.BATCH_SIZES}, {sizes.events_per_case} events each"
            )
            async with fresh_database(ctx.stack.database_url) as pool:
                rate = await event_store_rate.measure(pool, template, sizes.events_per_case)
            progress(
                f"cohort list: loading {sizes.list_participants} participants, then {sizes.list_repeats} list calls"
            )
            async with fresh_database(ctx.stack.database_url) as pool:
                listing = await list_latency.measure(pool, template, sizes.list_participants, sizes.list_repeats)
            progress("32-participant simulation" + (" (not run in --quick)" if quick else ""))
            skipping["simulation_32"] = await simulation_speed.measure(ctx.stack.database_url, quick)
            progress("an itc command through the HTTP API (a fresh process each time)")
            cli = await cli_through_api.measure(ctx, 3 if quick else 20)
            facts = environment(ctx.stack.postgres_version, ctx.stack.postgres_durability)
            facts["load_average_1m_at_start"] = load_at_start

    return {
        "quick": quick,
        "sizes": asdict(sizes),
        "environment": facts,
        "ceiling_vs_journey": ceiling,
        "query_latency": queries,
        "action_round_trip": round_trip,
        "list_latency": listing,
        "history_cost": history,
        "event_store_rate": rate,
        "time_skipping": skipping,
        "cli_through_api": cli,
    }


async def measure_round_trip(ctx: LiveContext, sizes: Sizes) -> dict[str, Any]:
    return await action_round_trip.measure(
        ctx, sizes.action_targets, sizes.query_lanes, sizes.action_samples, sizes.action_lighter_lanes
    )


async def run_round_trip_only(sizes: Sizes, quick: bool) -> dict[str, Any]:
    """The staff-action round trip on its own stack, with the machine it was measured on."""
    load_at_start = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="itc-bench-") as tmp:
        async with live_context(Path(tmp)) as ctx:
            result = await measure_round_trip(ctx, sizes)
            facts = environment(ctx.stack.postgres_version, ctx.stack.postgres_durability)
    facts["load_average_1m_at_start"] = load_at_start
    return {**result, "quick": quick, "environment": facts}


async def run_ceiling_only(sizes: Sizes) -> dict[str, Any]:
    """Journeys against both ceilings on their own stack, with the machine they were measured on."""
    load_at_start = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="itc-bench-") as tmp:
        async with live_context(Path(tmp)) as ctx:
            result = await ceiling_vs_journey.measure(ctx, sizes.journeys, sizes.rounds)
            facts = environment(ctx.stack.postgres_version, ctx.stack.postgres_durability)
    facts["load_average_1m_at_start"] = load_at_start
    facts["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    return {**result, "environment": facts}


async def run_cli_only(quick: bool) -> dict[str, Any]:
    """An itc command through the HTTP API on its own stack, with the machine it was measured on."""
    load_at_start = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="itc-bench-") as tmp:
        async with live_context(Path(tmp)) as ctx:
            result = await cli_through_api.measure(ctx, 3 if quick else 20)
            facts = environment(ctx.stack.postgres_version, ctx.stack.postgres_durability)
    facts["load_average_1m_at_start"] = load_at_start
    return {**result, "environment": facts}


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small N, to show that every benchmark works (CI)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="where results.json and RESULTS.md go (default: bench/)",
    )
    parser.add_argument(
        "--only",
        choices=["ceiling-vs-journey", "action-round-trip", "cli-through-api"],
        help="run this case alone on its own stack and merge it into the results.json in --out",
    )
    parser.add_argument(
        "--journeys", type=int, help="journeys per round in the ceiling comparison (default: the mode's)"
    )
    parser.add_argument("--rounds", type=int, help="rounds of the ceiling comparison (default: the mode's)")
    args = parser.parse_args()
    configure_logging("console", "WARNING", stream="stderr")
    # The SDK core warns, per worker, that the test server lacks a capability we do not use.
    Runtime.set_default(
        Runtime(
            telemetry=TelemetryConfig(
                logging=LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))
            )
        )
    )
    sizes = QUICK if args.quick else FULL
    sizes = replace(sizes, journeys=args.journeys or sizes.journeys, rounds=args.rounds or sizes.rounds)
    if args.only == "ceiling-vs-journey":
        previous = args.out / JSON_NAME
        results = read_results(previous) if previous.exists() else {}
        ceiling = asyncio.run(run_ceiling_only(sizes))
        if not results:
            print(json.dumps(ceiling, indent=2), flush=True)
            return
        results["ceiling_vs_journey"] = ceiling
    elif args.only == "action-round-trip":
        # One case measured on its own joins the last full run's figures, under its own environment.
        previous = args.out / JSON_NAME
        results = read_results(previous) if previous.exists() else {}
        round_trip = asyncio.run(run_round_trip_only(sizes, args.quick))
        if not results:
            print(json.dumps(round_trip, indent=2), flush=True)
            return
        results["action_round_trip"] = round_trip
    elif args.only == "cli-through-api":
        previous = args.out / JSON_NAME
        results = read_results(previous) if previous.exists() else {}
        cli = asyncio.run(run_cli_only(args.quick))
        if not results:
            print(json.dumps(cli, indent=2), flush=True)
            return
        results["cli_through_api"] = cli
    else:
        results = asyncio.run(run(sizes, args.quick))
    json_path, markdown_path = write_results(results, args.out)
    print(f"wrote {json_path} and {markdown_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
