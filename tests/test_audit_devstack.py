"""`itc audit` on the real dev stack: the trail comes from PostgreSQL, in order, without the DOB,
each action attributed to the person signed in (`STAFF`)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fixtures_devstack import STAFF, Stack, fresh_participant, iso
from fixtures_devstack import consent as consent_record_json


async def trail(stack: Stack, participant: str) -> list[dict]:
    result = await stack.cli("audit", participant, "--json")
    return json.loads(result.stdout) if result.exit_code == 0 else []


async def trail_once_stored(stack: Stack, participant: str, event_type: str) -> list[dict]:
    """The trail as `itc audit --json` gives it, once an event of `event_type` has reached it."""

    async def stored() -> bool:
        return event_type in [event["type"] for event in await trail(stack, participant)]

    await stack.until(stored, f"{event_type} in the event store")
    return await trail(stack, participant)


async def test_audit_prints_the_trail_in_order_without_the_date_of_birth(stack: Stack, tmp_path: Path) -> None:
    participant = fresh_participant("AUD")
    consent = consent_record_json(participant, site="SITE-AUD", actor_id=STAFF)
    consent_file = tmp_path / "consent.json"
    consent_file.write_text(json.dumps(consent), encoding="utf-8")
    who = ("--participant", participant, "--role", "operations")
    labs = ("--result", "spo2=98", "--result", "alt=30:uln=40", "--result", "ast=28:uln=40")
    collected = ("--collected-at", iso(datetime.now(UTC) - timedelta(days=1)))

    await stack.ok("start", "--consent-file", str(consent_file))
    accepted = await stack.ok("record", "lab-results", *who, "--result", "creatinine=0.9", *labs, *collected)
    labs_sequence = int(re.search(r"Accepted #(\d+)", accepted).group(1))  # type: ignore[union-attr]
    await stack.ok(
        "record", "lab-results", *who, "--result", "creatinine=0.8", *labs, *collected,
        "--corrects", str(labs_sequence), "--reason", "creatinine transcribed wrongly",
    )  # fmt: skip
    await stack.ok(
        "record", "eligibility", "--participant", participant, "--role", "operations",
        "--advanced-breast-cancer", "--progressed", "--metastasis-count", "1",
        "--metastasis-site", "lung", "--measurable", "--no-active-infection", "--no-other-cancer",
        "--assessed-at", iso(datetime.now(UTC)),
    )  # fmt: skip

    events = await trail_once_stored(stack, participant, "EligibilityAssessmentRecorded")
    assert [event["sequence"] for event in events] == list(range(1, len(events) + 1))
    assert events[0]["type"] == "ConsentRecorded" and (events[0]["actor"], events[0]["actor_role"]) == (
        STAFF,
        "operations",
    )
    assert events[0]["payload"]["date_of_birth"] == "[redacted]"

    text = await stack.ok("audit", participant)
    rows = text.splitlines()[1:]
    assert "Consent recorded" in rows[0] and STAFF in rows[0]
    assert [int(row.split()[0].lstrip("#")) for row in rows] == list(range(1, len(rows) + 1))
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", rows[0])
    assert any(f"corrects #{labs_sequence}: creatinine transcribed wrongly" in row for row in rows), text
    assert any("Eligibility assessment recorded" in row and STAFF in row for row in rows), text
    for shown in (text, json.dumps(events)):
        assert consent["date_of_birth"] not in shown and "1974" not in shown


async def test_audit_of_unknown_participant_is_one_line(stack: Stack) -> None:
    result = await stack.cli("audit", "ITC-99998")
    assert result.exit_code == 1
    # Read through the API, which looks the participant up (for site scoping) before the trail.
    assert result.stderr.strip() == "No journey for participant ITC-99998"
    assert "Traceback" not in result.output


async def test_an_action_outside_the_role_is_refused_and_audited(stack: Stack, tmp_path: Path) -> None:
    participant = fresh_participant("ROL")
    consent_file = tmp_path / "consent.json"
    consent_file.write_text(
        json.dumps(consent_record_json(participant, site="SITE-ROL", actor_id=STAFF)), encoding="utf-8"
    )
    await stack.ok("start", "--consent-file", str(consent_file))

    refused = await stack.cli(
        "record", "decision", "--participant", participant, "--role", "operations",
        "--decision", "off_study", "--reason", "participant asked to stop",
    )  # fmt: skip
    assert refused.exit_code == 1
    # Refused by the API's permission check, in the journey validator's own words (`role_refusal`).
    assert (
        refused.stderr.strip() == "The operations role may not record a supervisor decision; that is for: supervisor."
    )
    await stack.ok(
        "record", "lab-results", "--participant", participant, "--role", "operations",
        "--result", "creatinine=0.9", "--collected-at", iso(datetime.now(UTC) - timedelta(hours=2)),
    )  # fmt: skip

    events = await trail_once_stored(stack, participant, "LabResultsRecorded")
    refusals = [event for event in events if event["type"] == "ActionRefused"]
    assert len(refusals) == 1, events
    refusal = refusals[0]
    assert (refusal["actor"], refusal["actor_role"]) == (STAFF, "operations")
    assert refusal["payload"]["update"] == "record_supervisor_decision"
    assert refusal["payload"]["refusal"] == "RoleNotPermitted"
    # The refusal changed nothing else: no decision was recorded, and the journey went on.
    assert "SupervisorDecisionRecorded" not in [event["type"] for event in events]
    labs = next(event for event in events if event["type"] == "LabResultsRecorded")
    assert labs["actor_role"] == "operations"

    text = await stack.ok("audit", participant)
    assert f"{STAFF} (operations)" in text
    assert "refused Supervisor decision: The operations role may not record a supervisor decision" in text
