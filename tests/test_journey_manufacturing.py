"""Manufacturing: overdue milestones escalate, failures wait for a supervisor, re-biopsy loops back."""

from __future__ import annotations

from datetime import timedelta

from journey_harness import (
    SAMPLE,
    SUPERVISOR,
    MockServices,
    collect_biopsy,
    complete_baseline,
    drive_to_manufacturing,
    manufacture,
    pass_screening,
    record_milestone,
    start_journey,
    worker_for,
)

from itc.models.enums import Stage


async def test_deadline_escalation_then_rebiopsy_then_success(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await drive_to_manufacturing(j)
        await j.advance(timedelta(days=2))
        await record_milestone(j, "biopsy_received")
        # Fibroblast expansion is expected within 21 days; nothing arrives for 121 days.
        await j.advance(timedelta(days=22))
        assert services.side_effects()[-1] == ("send_notification", "supervisor:milestone_overdue")
        await j.advance(timedelta(days=100))
        state = await j.state()
        assert state.awaiting_supervisor_decision
        assert services.side_effects()[-1] == ("send_notification", "supervisor:manufacturing_deadline")

        await j.update(
            "record_supervisor_decision",
            {
                "actor_id": SUPERVISOR,
                "decision": "re_biopsy",
                "reason": "Culture stalled; consented to a second biopsy",
            },
        )
        state = await j.wait_for_stage(Stage.BIOPSY)
        assert state.biopsy_attempts == 2
        await collect_biopsy(j, "SKN-0002")
        await manufacture(j, "SKN-0002")
        state = await j.state()
        assert state.stage is Stage.INFUSION and state.dose_plan is not None

    effects = services.side_effects()
    assert effects.count(("book_appointment", "biopsy")) == 2
    assert ("send_notification", "supervisor:milestone_overdue") in effects
    events = services.event_types()
    assert events.count("BiopsyCollected") == 2
    assert "ManufacturingDeadlinePassed" in events and "ProductReleased" in events


async def test_manufacturing_failure_then_off_study(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await drive_to_manufacturing(j)
        await j.advance(timedelta(days=2))
        await record_milestone(j, "biopsy_received")
        await j.advance(timedelta(days=10))
        await record_milestone(j, "fibroblasts_expanded", succeeded=False, failure_code="contamination")
        state = await j.state()
        assert state.awaiting_supervisor_decision
        assert state.next_due[0].action == "supervisor_decision"
        await j.update(
            "record_supervisor_decision",
            {"actor_id": SUPERVISOR, "decision": "off_study", "reason": "Participant declined a second biopsy"},
        )
        result = await j.handle.result()

    assert result.stage is Stage.OFF_STUDY
    assert result.end_reason == "off study: Participant declined a second biopsy"
    assert result.pfs is None
    # The failed run's manufacturing slot is freed as soon as it fails, before the decision.
    assert services.side_effects()[-3:] == [
        ("send_notification", "supervisor:manufacturing_failed"),
        ("release_manufacturing_slot", "manufacturing_failed"),
        ("cancel_appointments", "off_study"),
    ]
    assert services.event_types()[-4:] == [
        "SupervisorDecisionRecorded",
        "AppointmentsCancelled",
        "StageChanged",
        "JourneyEnded",
    ]


async def test_release_qc_failure_is_a_manufacturing_failure(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await drive_to_manufacturing(j)
        for milestone in (
            "biopsy_received",
            "fibroblasts_expanded",
            "ipsc_line_established",
            "ipsc_qc_passed",
            "nk_differentiation_complete",
        ):
            await j.advance(timedelta(days=3))
            await record_milestone(j, milestone)
        bad_qc = {
            "sterility_negative": True,
            "mycoplasma_negative": True,
            "endotoxin_eu_per_ml": 1.0,
            "viability_percent": 69.9,
            "cd56_cd3neg_purity_percent": 95.0,
            "viable_cells_total": 2e10,
        }
        await record_milestone(j, "product_release_qc", release_qc=bad_qc)
        state = await j.state()
        assert state.stage is Stage.MANUFACTURING and state.awaiting_supervisor_decision
        assert state.dose_plan is None
    assert "ManufacturingFailed" in services.event_types()


async def test_second_rebiopsy_beyond_protocol_limit_is_refused(workflow_env, task_queue):
    import pytest
    from temporalio.client import WorkflowUpdateFailedError

    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await pass_screening(j)
        await complete_baseline(j)
        for attempt, sample in enumerate((SAMPLE, "SKN-0002"), start=1):
            await collect_biopsy(j, sample)
            await j.advance(timedelta(days=2))
            await record_milestone(j, "biopsy_received", sample, succeeded=False, failure_code="lost_in_transit")
            if attempt == 1:
                await j.update(
                    "record_supervisor_decision",
                    {"actor_id": SUPERVISOR, "decision": "re_biopsy", "reason": "Sample lost in transit"},
                )
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await j.update(
                "record_supervisor_decision",
                {"actor_id": SUPERVISOR, "decision": "re_biopsy", "reason": "Try a third time"},
            )
        assert "only off_study remains" in str(refused.value.cause)


async def test_refused_booking_is_escalated_to_staff_not_lost(workflow_env, task_queue):
    services = MockServices(fail_bookings_with="NoCapacity")
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await pass_screening(j)
        state = await j.state()
        assert state.stage is Stage.BASELINE
    assert services.side_effects()[-2:] == [
        ("book_appointment", "ct_scan"),
        ("send_notification", "site_staff:service_refused"),
    ]
    assert "AppointmentBooked" not in services.event_types()
