"""Temperature excursions in `itc simulate`: a bag's shipment that leaves its range puts it on
quality hold, quality releases it under deviation or discards it, a discard goes to the
supervisor, and the report counts the excursions and their effect from the event store."""

from __future__ import annotations

import asyncpg
from test_simulation import simulate

from itc.simulation.parameters import CustodyParameters
from itc.simulation.report import build_report


async def test_every_shipment_warm_and_every_bag_discarded_costs_infusions(pg_server_dsn: str) -> None:
    """Every bag's shipment warm and every one discarded: the first bag is re-made once (the
    protocol's limit), the re-made one is discarded too, and infusions stop with none given."""
    always = CustodyParameters(shipment_excursion_probability=1.0, discard_probability=1.0)
    run = await simulate(pg_server_dsn, 11, keep_database=True, custody=always)
    summary, _, disagreements = build_report(run)
    assert disagreements == []
    excursions = summary["temperature_excursions"]
    conn = await asyncpg.connect(run.database_dsn)
    try:
        warm = await conn.fetch(
            "SELECT participant_id FROM journey_events "
            "WHERE type = 'CustodyHandoffRecorded' AND payload->>'excursion' IS NOT NULL"
        )
    finally:
        await conn.close()
        await drop_database(pg_server_dsn, run.database_dsn)
    reached_infusion = {r["participant_id"] for r in warm}
    assert reached_infusion, "no simulated participant reached an infusion"
    assert excursions["excursions"] == len(warm) == 2 * len(reached_infusion)
    assert excursions["discarded"] == len(warm) and excursions["released_under_deviation"] == 0
    assert excursions["bags_remade"] == len(reached_infusion)
    assert excursions["infusion_delay_days"]["infusions"] == len(reached_infusion)
    assert excursions["infusion_delay_days"]["median"] > 0
    assert excursions["infusions_lost"] == 3 * len(reached_infusion)
    assert summary["infusions_given"] == 0


async def drop_database(server_dsn: str, dsn: str | None) -> None:
    admin = await asyncpg.connect(server_dsn)
    try:
        name = (dsn or "").rsplit("/", 1)[-1].split("?")[0]
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def test_no_excursion_leaves_the_report_at_zero(pg_server_dsn: str) -> None:
    never = CustodyParameters(shipment_excursion_probability=0.0)
    run = await simulate(pg_server_dsn, 11, custody=never)
    excursions = build_report(run)[0]["temperature_excursions"]
    assert excursions["excursions"] == excursions["discarded"] == excursions["infusions_lost"] == 0
    assert run.params.custody.shipment_excursion_probability == 0.0
