"""Screening: eligibility decided by the pure rule, every failed criterion named."""

from __future__ import annotations

from datetime import date, timedelta

from journey_harness import (
    GOOD_SCREENING_LABS,
    MockServices,
    record_eligibility,
    record_labs,
    start_journey,
    worker_for,
)

from itc.models.enums import Stage


async def test_screen_failure_lists_every_failed_criterion(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        today = (await workflow_env.get_current_time()).date()
        j = await start_journey(workflow_env, task_queue, services, date_of_birth=date(today.year - 72, 1, 1))
        await record_labs(j, {**GOOD_SCREENING_LABS, "creatinine": 2.01, "spo2": 96.0})
        await record_eligibility(j)
        result = await j.handle.result()

    assert result.stage is Stage.SCREEN_FAILED
    failed = " | ".join(result.failed_criteria)
    assert len(result.failed_criteria) == 3, failed
    assert "age" in failed.lower() and "creatinine" in failed.lower() and "spo2" in failed.lower()
    assert services.side_effects() == [("order_labs", "screening")]
    assert services.event_types() == [
        "ConsentRecorded",
        "StageChanged",
        "ChainOfIdentityAssigned",
        "LabsOrdered",
        "LabResultsRecorded",
        "EligibilityAssessmentRecorded",
        "ScreenFailed",
        "StageChanged",
        "JourneyEnded",
    ]


async def test_boundary_values_are_eligible(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        today = (await workflow_env.get_current_time()).date()
        # Exactly 70 years old, creatinine 2.0, SpO2 97, ALT exactly 2.5 x ULN: all allowed.
        j = await start_journey(
            workflow_env, task_queue, services, date_of_birth=today.replace(year=today.year - 70) - timedelta(days=1)
        )
        await record_labs(j, {"creatinine": 2.0, "spo2": 97.0, "alt": 100.0, "ast": 100.0})
        await record_eligibility(j)
        state = await j.wait_for_stage(Stage.BASELINE)
        assert state.failed_criteria == []


async def test_stale_screening_labs_do_not_count(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await record_labs(j, GOOD_SCREENING_LABS)
        await j.advance(timedelta(days=29))
        await record_eligibility(j)
        state = await j.state()
        # The labs are now older than the 28-day window: screening waits for fresh ones.
        assert state.stage is Stage.SCREENING
        await record_labs(j, GOOD_SCREENING_LABS)
        await j.wait_for_stage(Stage.BASELINE)


async def test_incomplete_screening_reminds_then_escalates(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await j.advance(timedelta(days=15))
        assert services.side_effects()[-1] == ("send_notification", "site_staff:screening_incomplete")
        await j.advance(timedelta(days=14))
        assert services.side_effects()[-1] == ("send_notification", "supervisor:screening_incomplete")
        assert (await j.state()).stage is Stage.SCREENING
