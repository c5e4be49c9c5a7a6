"""The clinical-rule amendments on the time-skipping server: RECIST 1.1 non-target progression,
PFS censored by a new anticancer therapy (FDA 2018), and the ICH E2A 7-day clock after an upgrade."""

from __future__ import annotations

from datetime import timedelta

from journey_harness import (
    DAY,
    STAFF,
    MockServices,
    advance_to,
    drive_to_infusion,
    infuse_all,
    record_scan,
    start_journey,
    worker_for,
)

from itc.models.enums import ResponseCategory, Stage


async def to_response_scan(j):
    await drive_to_infusion(j)
    await infuse_all(j)
    state = await j.wait_for_stage(Stage.RESPONSE_ASSESSMENT)
    await advance_to(j, state.next_due[0].due_at)


async def test_non_target_progression_makes_the_response_pd_recist_table_1(workflow_env, task_queue):
    """RECIST 1.1 Table 1: target lesions shrinking to PR, non-target lesions unequivocally
    progressing: the overall response is PD and the journey ends on progression."""
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await to_response_scan(j)
        await j.update(
            "record_scan_result",
            {
                "actor_id": STAFF,
                "kind": "response",
                "scanned_at": (await j.now()).isoformat(),
                "target_lesions": [{"lesion_id": "L1", "organ": "lung", "diameter_mm": 12.0}],
                "non_target_status": "PD",
            },
        )
        result = await j.handle.result()
    assert result.response is ResponseCategory.PD and result.confirmed_response is ResponseCategory.PD
    assert result.stage is Stage.COMPLETED and result.end_reason == "progression"
    assert result.pfs.event_type == "progression"
    scan = next(e for e in services.events if e.type == "ScanRecorded" and e.payload["kind"] == "response")
    assert scan.payload["recist"]["response"] == "PR" and scan.payload["overall"]["response"] == "PD"


async def test_new_anticancer_therapy_censors_pfs_fda_2018(workflow_env, task_queue):
    """FDA 2018 PFS censoring table: new anticancer therapy started before documented progression
    censors PFS at the last adequate assessment before it, even when progression follows."""
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await to_response_scan(j)
        await record_scan(j, "response", 19.0)  # SD
        response_day = (await j.now()).date()
        state = await j.wait_for_stage(Stage.FOLLOW_UP)
        await j.advance(timedelta(days=20))
        accepted = await j.update(
            "record_new_anticancer_therapy",
            {"actor_id": STAFF, "therapy": "capecitabine", "started_at": (await j.now()).isoformat()},
        )
        assert accepted.stage is Stage.FOLLOW_UP
        state = await j.state()
        due = next(d for d in state.next_due if d.action == "follow_up_scan")
        await advance_to(j, due.due_at)
        await record_scan(j, "follow_up", 24.0)  # +26 % and +5 mm over the nadir: PD
        result = await j.handle.result()
    assert result.end_reason == "progression"
    assert result.pfs.event is False and result.pfs.end_date == response_day
    assert result.pfs.censor_reason.startswith("New anticancer therapy started on")


async def test_an_upgrade_to_life_threatening_starts_the_seven_day_clock_from_the_upgrade_ich_e2a(
    workflow_env, task_queue
):
    """ICH E2A III.A: a serious, unexpected, related event upgraded to life-threatening owes a
    7-day report from the day that was first known, although its 15-day clock is open."""
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await to_response_scan(j)
        onset = await j.now()
        event = {
            "actor_id": STAFF,
            "term": "pneumonitis",
            "category": "non_haematological",
            "grade": 3,
            "attribution": "possible",
            "serious": True,
            "unexpected": True,
            "onset_at": onset.isoformat(),
            "seriousness_known_at": onset.isoformat(),
        }
        await j.update("record_adverse_event", event)
        await j.advance(timedelta(days=4))
        # Entered today, known since yesterday: the clock runs from yesterday.
        upgraded = (await j.now()) - DAY
        await j.update(
            "record_adverse_event",
            {**event, "ae_id": "AE-1", "grade": 4, "seriousness_known_at": upgraded.isoformat()},
        )
        state = await j.state()
        clocks = {c.clock: c for c in state.open_sae_clocks}
        assert set(clocks) == {"sponsor_24h", "susar_15d", "susar_7d"}
        assert clocks["susar_7d"].started_at == upgraded
        assert clocks["susar_7d"].due_at == upgraded + 7 * DAY  # not 15 days from onset: 4 days earlier
        assert clocks["susar_15d"].due_at == onset + 15 * DAY
        await j.advance(6 * DAY + timedelta(hours=1))
        state = await j.state()
        seven_day = next(c for c in state.open_sae_clocks if c.clock == "susar_7d")
        assert seven_day.escalated_at is not None
    assert ("send_notification", "supervisor:sae_clock_started") in services.side_effects()
