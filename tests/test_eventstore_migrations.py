from __future__ import annotations

import asyncpg

from itc.eventstore.database import create_pool
from itc.eventstore.migrate import (
    MigrationChecksumMismatch,
    apply_migrations,
    migration_files,
)

EXPECTED_MIGRATIONS = [
    "001_journey_events",
    "002_participant_status",
    "003_default_services",
    "004_actor_role",
    "005_append_only_for_every_role",
    "006_refused_actions",
    "007_people_accounts",
    "008_people_tokens_sessions",
    "009_electronic_signatures",
    "010_manufacturing_slots",
    "011_trial_decision_signatures",
]
EXPECTED_TABLES = {
    "appointment_cancellations",
    "appointments",
    "journey_events",
    "lab_orders",
    "refused_actions",
    "notification_outbox",
    "participant_status",
    "resource_capacity",
    "schema_migrations",
    "people_accounts",
    "access_log",
    "personal_tokens",
    "dashboard_sessions",
    "electronic_signatures",
    "manufacturing_capacity",
    "manufacturing_slot_reservations",
    "manufacturing_slot_releases",
    "trial_decision_signatures",
}


async def test_migrations_apply_in_order_then_are_idempotent(db_dsn: str) -> None:
    assert [name for name, _ in migration_files()] == EXPECTED_MIGRATIONS
    pool = await create_pool(db_dsn)
    try:
        assert await apply_migrations(pool) == EXPECTED_MIGRATIONS
        assert await apply_migrations(pool) == []
        async with pool.acquire() as conn:
            assert await apply_migrations(conn) == []
            ledger = await conn.fetch("SELECT name FROM schema_migrations ORDER BY applied_at, name")
            tables = await conn.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
            capacity = await conn.fetch("SELECT kind, per_day FROM resource_capacity ORDER BY kind")
    finally:
        await pool.close()

    assert [row["name"] for row in ledger] == EXPECTED_MIGRATIONS
    assert {row["table_name"] for row in tables} == EXPECTED_TABLES
    assert {row["kind"]: row["per_day"] for row in capacity} == {
        "biopsy": 4,
        "ct_scan": 6,
        "follow_up_visit": 8,
        "infusion": 2,
    }


async def test_an_edited_applied_migration_is_refused(db_dsn: str) -> None:
    conn = await asyncpg.connect(db_dsn)
    try:
        await apply_migrations(conn)
        await conn.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE name = '002_participant_status'")
        try:
            await apply_migrations(conn)
        except MigrationChecksumMismatch as err:
            assert "002_participant_status" in str(err)
        else:
            raise AssertionError("an edited migration was accepted")
    finally:
        await conn.close()


async def test_participant_status_has_no_phi_columns(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'participant_status'"
        )
    columns = {row["column_name"] for row in rows}
    assert columns.isdisjoint({"date_of_birth", "dob", "height_cm", "weight_kg", "notes", "body", "reason"})
    assert "participant_id" in columns and "worst_ae_grade" in columns
