"""`itc demo`: `itc dev` plus a scripted walk through screening, baseline and biopsy, using
the same client calls as the `start` and `record` commands, and the dashboard served on
the result, with published demo accounts and tokens (`itc.people.sandbox`). Demo IDs and data are invented."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import typer
from temporalio.client import Client

from itc.base.errors import JourneyAlreadyExists
from itc.base.logging import configure_logging
from itc.cli.answers import JourneyStatusAnswer
from itc.cli.context import load_api_settings, load_protocol, load_settings
from itc.cli.dev import demo_people_text, run_dev, serve_dashboard
from itc.cli.errors import run_async
from itc.cli.render import status_text
from itc.cli.serve import banner as dashboard_banner
from itc.drivers.staff_actions import ELIGIBLE_FINDINGS
from itc.models.enums import Stage
from itc.models.inputs import (
    ConsentRecord,
    RecordBiopsyCollectedInput,
    RecordEligibilityAssessmentInput,
    RecordLabResultsInput,
    RecordScanResultInput,
)
from itc.models.roles import Role
from itc.models.state import JourneyStatus
from itc.people.sandbox import ensure_sandbox_accounts
from itc.rules.config import ProtocolConfig
from itc.runtime.database_pool import database_pool
from itc.runtime.devstack import DevStack
from itc.runtime.journeys import get_status, record, start_journey
from itc.runtime.temporal_client import connect

ELIGIBLE = "DEMO-001"
SCREEN_FAIL = "DEMO-002"
WAITING = "DEMO-003"  # consented only: the board shows its screening labs as due
ACTOR = "demo.nurse"
STAGE_WAIT_SECONDS = 30.0


def demo_consent(participant_id: str, today: date) -> ConsentRecord:
    return ConsentRecord(
        participant_id=participant_id,
        consent_date=today - timedelta(days=2),
        consent_form_version="ICF-2.1",
        date_of_birth=date(today.year - 52, 3, 14),
        sex="female",
        height_cm=164,
        weight_kg=61,
        er_status="positive",
        pr_status="negative",
        her2_status="negative",
        site="DEMO-SITE",
        actor_id="demo.ops",
        role=Role.OPERATIONS,
    )


def screening_labs(creatinine: float, at: datetime) -> RecordLabResultsInput:
    def lab(code: str, value: float, uln: float | None = None) -> dict[str, Any]:
        return {"code": code, "value": value, "upper_limit_normal": uln, "collected_at": at}

    return RecordLabResultsInput(
        actor_id=ACTOR,
        role=Role.OPERATIONS,
        results=[lab("creatinine", creatinine), lab("spo2", 98), lab("alt", 30, 40), lab("ast", 28, 40)],
    )


def eligibility_assessment(at: datetime) -> RecordEligibilityAssessmentInput:
    return RecordEligibilityAssessmentInput(
        actor_id="demo.investigator",
        role=Role.OPERATIONS,
        assessed_at=at,
        **ELIGIBLE_FINDINGS,
    )


def baseline_scan(at: datetime) -> RecordScanResultInput:
    return RecordScanResultInput(
        actor_id="demo.radiologist",
        role=Role.OPERATIONS,
        kind="baseline",
        scanned_at=at,
        target_lesions=[{"lesion_id": "L1", "organ": "lung", "diameter_mm": 20}],
    )


def baseline_assessments(at: datetime) -> RecordLabResultsInput:
    return RecordLabResultsInput(
        actor_id=ACTOR,
        role=Role.OPERATIONS,
        results=[
            {"code": "ca15_3", "value": 48, "collected_at": at},
            {"code": "cea", "value": 6.2, "collected_at": at},
            {"code": "flow_cytometry_panel", "interpretation": "normal", "collected_at": at},
            {"code": "elisa_cytokines", "interpretation": "normal", "collected_at": at},
            {"code": "ecg", "interpretation": "normal", "collected_at": at},
            {"code": "physical_exam", "interpretation": "abnormal_not_clinically_significant", "collected_at": at},
        ],
    )


def now() -> datetime:
    return datetime.now(UTC)


async def wait_for_stage(client: Client, participant_id: str, stages: set[Stage]) -> JourneyStatus:
    """Stage changes may follow an accepted Update a moment later (after activities run)."""
    deadline = time.monotonic() + STAGE_WAIT_SECONDS
    while True:
        status = await get_status(client, participant_id)
        if status.stage in stages or time.monotonic() > deadline:
            return status
        await asyncio.sleep(0.2)


async def _say(message: str) -> None:
    typer.echo(f"[demo] {message}")


async def run_script(client: Client, protocol: ProtocolConfig, task_queue: str) -> list[JourneyStatus]:
    today = now().date()
    fresh: dict[str, bool] = {}
    for participant_id in (ELIGIBLE, SCREEN_FAIL, WAITING):
        try:
            await start_journey(client, demo_consent(participant_id, today), protocol, task_queue)
            fresh[participant_id] = True
            await _say(f"started {participant_id}")
        except JourneyAlreadyExists as error:
            # The dev data persists between runs; replaying the script would be refused.
            fresh[participant_id] = False
            await _say(f"{error.message}; showing its status only")

    if fresh[SCREEN_FAIL]:
        await record(client, SCREEN_FAIL, "record_lab_results", screening_labs(2.6, now() - timedelta(days=1)))
        await record(client, SCREEN_FAIL, "record_eligibility_assessment", eligibility_assessment(now()))
        await _say(f"{SCREEN_FAIL}: screening labs (creatinine 2.6 mg/dL) and eligibility assessment recorded")

    if fresh[ELIGIBLE]:
        await record(client, ELIGIBLE, "record_lab_results", screening_labs(0.8, now() - timedelta(days=1)))
        await record(client, ELIGIBLE, "record_eligibility_assessment", eligibility_assessment(now()))
        await _say(f"{ELIGIBLE}: screening labs and eligibility assessment recorded")
        await wait_for_stage(client, ELIGIBLE, {Stage.BASELINE})
        await record(client, ELIGIBLE, "record_scan_result", baseline_scan(now()))
        await record(client, ELIGIBLE, "record_lab_results", baseline_assessments(now()))
        await _say(f"{ELIGIBLE}: baseline scan (one 20 mm lung lesion) and assessments recorded")
        await wait_for_stage(client, ELIGIBLE, {Stage.BIOPSY})
        biopsy = RecordBiopsyCollectedInput(
            actor_id=ACTOR, role=Role.OPERATIONS, sample_id="BX-DEMO-001-1", collected_at=now()
        )
        await record(client, ELIGIBLE, "record_biopsy_collected", biopsy)
        await _say(f"{ELIGIBLE}: biopsy collected (sample BX-DEMO-001-1)")
        await wait_for_stage(client, ELIGIBLE, {Stage.MANUFACTURING})

    statuses = [await wait_for_stage(client, SCREEN_FAIL, {Stage.SCREEN_FAILED})]
    statuses.insert(0, await get_status(client, ELIGIBLE))
    return statuses


def demo(
    exit_after: Annotated[
        bool, typer.Option("--exit", help="Stop everything once the demo has printed (the dashboard is not served).")
    ] = False,
) -> None:
    """Run `itc dev`, serve the dashboard, and script demo journeys (eligible, screen failure, waiting).
    Needs Temporal and the database directly: run it on the operator's machine."""
    settings = load_settings()
    protocol = load_protocol(settings)
    api_settings = load_api_settings()
    configure_logging(settings.log_format, "WARNING")
    served: dict[str, str] = {}

    async def script(stack: DevStack, stop: asyncio.Event) -> None:
        async with database_pool(stack.settings) as pool:
            password_file = await ensure_sandbox_accounts(pool, stack.settings.itc_data_dir)
        client = await connect(stack.settings)
        for status in await run_script(client, protocol, stack.settings.task_queue):
            typer.echo("")
            typer.echo(status_text(JourneyStatusAnswer.model_validate(status.model_dump(mode="json"))))
        typer.echo("")
        if exit_after:
            stop.set()
            return
        typer.echo(dashboard_banner(served["url"]))
        typer.echo(demo_people_text(password_file))
        typer.echo(f"Command line: `ITC_API_URL={served['url']} itc login --person demo.operations`.")
        typer.echo("Demo done; the stack keeps running. Try `itc timeline DEMO-001`. Ctrl-C to stop.")

    serve = None if exit_after else serve_dashboard(api_settings, protocol, served)
    run_async(run_dev(settings, on_ready=script, serve=serve))
