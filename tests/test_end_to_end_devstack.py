"""End to end on the real dev stack (the `stack` fixture in fixtures_devstack.py): every
step through the `itc` CLI as staff would type it, signed in with `itc login`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from fixtures_devstack import STAFF, Stack, fresh_participant, iso
from fixtures_devstack import consent as consent_record_json


async def test_screening_to_biopsy_through_the_cli(stack: Stack, tmp_path: Path) -> None:
    participant = fresh_participant()
    now = datetime.now(UTC)
    consent = consent_record_json(participant, site="SITE-E2E", actor_id=STAFF)
    consent_file = tmp_path / "consent.json"
    consent_file.write_text(json.dumps(consent), encoding="utf-8")
    record = ("record",)
    who = ("--participant", participant, "--role", "operations")

    out = await stack.ok("start", "--consent-file", str(consent_file))
    assert f"journey-{participant}" in out

    again = await stack.cli("start", "--consent-file", str(consent_file))
    assert again.exit_code == 1
    assert again.stderr.strip() == f"Participant {participant} already has a journey (journey-{participant})"

    missing = await stack.cli("status", "ITC-99999")
    assert missing.exit_code != 0
    assert missing.stderr.strip() == "No journey for participant ITC-99999"

    # Screening: labs inside the 28-day window (after consent), then the investigator's assessment.
    await stack.ok(
        *record, "lab-results", *who,
        "--result", "creatinine=0.8", "--result", "spo2=98",
        "--result", "alt=30:uln=40", "--result", "ast=28:uln=40",
        "--collected-at", iso(now - timedelta(days=1)),
    )  # fmt: skip
    await stack.ok(
        *record, "eligibility", "--participant", participant, "--role", "operations",
        "--advanced-breast-cancer", "--progressed", "--metastasis-count", "1",
        "--metastasis-site", "lung", "--measurable", "--no-active-infection", "--no-other-cancer",
        "--assessed-at", iso(datetime.now(UTC)),
    )  # fmt: skip

    async def stage_is(stage: str) -> bool:
        result = await stack.cli("status", participant, "--json")
        return result.exit_code == 0 and json.loads(result.stdout)["stage"] == stage

    await stack.until(lambda: stage_is("baseline"), "stage baseline")

    # A rejected Update shows the validator's own words, not a traceback.
    future = await stack.cli(
        *record, "scan", *who, "--kind", "baseline",
        "--scanned-at", iso(datetime.now(UTC) + timedelta(days=2)), "--lesion", "L1:lung:20",
    )  # fmt: skip
    assert future.exit_code == 1
    assert future.stderr.startswith("Rejected: ") and "in the future" in future.stderr
    assert "Traceback" not in future.output

    # Baseline: one 20 mm lung target lesion, tumour markers, immune panels, ECG and exam.
    await stack.ok(
        *record, "scan", "--participant", participant, "--role", "operations", "--kind", "baseline",
        "--scanned-at", iso(datetime.now(UTC)), "--lesion", "L1:lung:20",
    )  # fmt: skip
    await stack.ok(
        *record, "lab-results", *who,
        "--result", "ca15_3=48", "--result", "cea=6.2",
        "--result", "flow_cytometry_panel=normal", "--result", "elisa_cytokines=normal",
        "--result", "ecg=normal", "--result", "physical_exam=normal",
        "--collected-at", iso(datetime.now(UTC)),
    )  # fmt: skip

    await stack.until(lambda: stage_is("biopsy"), "stage biopsy")
    status_text = await stack.ok("status", participant)
    assert "Biopsy" in status_text.split("Stage", 1)[1].splitlines()[0]

    async def listed_in_biopsy() -> bool:
        result = await stack.cli("list", "--stage", "biopsy", "--json")
        return result.exit_code == 0 and participant in [row["participant_id"] for row in json.loads(result.stdout)]

    await stack.until(listed_in_biopsy, "participant_status to show stage biopsy")
    table = await stack.ok("list", "--stage", "biopsy")
    assert participant in table

    timeline = await stack.ok("timeline", participant)
    assert "Consent recorded" in timeline.splitlines()[0]

    # The journey was enrolled through the trial workflow, which counts it against the cap.
    trial = json.loads(await stack.ok("trial", "status", "--json"))
    assert participant in trial["participants"] and trial["target"] == 32 and trial["paused"] is False

    async def events() -> list[asyncpg.Record]:
        connection = await asyncpg.connect(stack.database_url)
        try:
            return await connection.fetch(
                "SELECT sequence, type, payload::jsonb ->> 'kind' AS kind FROM journey_events "
                "WHERE participant_id = $1 ORDER BY sequence",
                participant,
            )
        finally:
            await connection.close()

    def biopsy_booking(rows: list[asyncpg.Record]) -> int | None:
        return next(
            (i for i, row in enumerate(rows) if row["type"] == "AppointmentBooked" and row["kind"] == "biopsy"),
            None,
        )

    async def biopsy_booked() -> bool:
        return biopsy_booking(await events()) is not None

    await stack.until(biopsy_booked, "the biopsy AppointmentBooked in journey_events")
    rows = await events()
    assert [row["sequence"] for row in rows] == list(range(1, len(rows) + 1))
    types = [row["type"] for row in rows]
    assert types[0] == "ConsentRecorded"
    # The CT scan is booked during baseline too; the biopsy booking is the one after it.
    order = [types.index("EligibilityConfirmed"), types.index("BaselineCompleted"), biopsy_booking(rows)]
    assert order == sorted(order), types


async def test_a_screen_failing_assessment_replies_with_the_screen_failure(stack: Stack, tmp_path: Path) -> None:
    """The reply states the outcome, not only "Accepted #5 (screening)"."""
    participant = fresh_participant("REPLY")
    consent_file = tmp_path / "consent.json"
    consent_file.write_text(json.dumps(consent_record_json(participant, "SITE-E2E", STAFF)), encoding="utf-8")
    await stack.ok("start", "--consent-file", str(consent_file))
    who = ("--participant", participant, "--role", "operations")
    labs = await stack.ok(
        "record", "lab-results", *who,
        "--result", "creatinine=2.4", "--result", "spo2=98",
        "--result", "alt=30:uln=40", "--result", "ast=28:uln=40",
        "--collected-at", iso(datetime.now(UTC) - timedelta(days=1)),
    )  # fmt: skip
    assert labs.splitlines()[1].startswith("Next due: Eligibility assessment by ")

    reply = await stack.ok(
        "record", "eligibility", *who,
        "--advanced-breast-cancer", "--progressed", "--metastasis-count", "1",
        "--metastasis-site", "lung", "--measurable", "--no-active-infection", "--no-other-cancer",
        "--assessed-at", iso(datetime.now(UTC)),
    )  # fmt: skip
    assert reply.splitlines()[0].startswith("Accepted #")
    assert reply.splitlines()[1] == (
        "Screen failure: Serum creatinine 2.4 mg/dL is above the limit of 2 mg/dL — journey ended"
    )
