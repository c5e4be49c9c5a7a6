"""The journey grading by CTCAE v5 with its baseline clauses and by the full ASTCT consensus
(time-skipping server): what holds an infusion and what is a DLT."""

from __future__ import annotations

from datetime import timedelta

import pytest
from journey_harness import (
    GOOD_SCREENING_LABS,
    HOUR,
    PRE_INFUSION,
    STAFF,
    MockServices,
    advance_to,
    collect_biopsy,
    complete_baseline,
    give_first_infusion,
    manufacture,
    record_eligibility,
    record_labs,
    start_journey,
    toxicity_checks,
    worker_for,
)
from temporalio.client import WorkflowUpdateFailedError

from itc.drivers.staff_actions import administer_infusion
from itc.models.enums import EventType, Stage


async def record_crs(j, **findings):
    return await j.update(
        "record_adverse_event",
        {
            "actor_id": STAFF,
            "term": "cytokine_release_syndrome",
            "category": "crs",
            "crs": findings,
            "attribution": "possible",
            "onset_at": (await j.now()).isoformat(),
        },
    )


async def test_ctcae_v5_abnormal_baseline_alt_rise_graded_0_does_not_hold_the_infusion(workflow_env, task_queue):
    """CTCAE v5.0 ALT increased, "if baseline was abnormal": screening ALT 2.5 x ULN, a rise to
    3.01 x ULN (1.2 x her baseline) is grade 0, so infusion 2 is not held."""
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await record_labs(j, {**GOOD_SCREENING_LABS, "alt": 100.0})
        await record_eligibility(j)
        await j.wait_for_stage(Stage.BASELINE)
        await complete_baseline(j)
        await collect_biopsy(j)
        await manufacture(j)
        await advance_to(j, (await j.state()).infusions[0].target_at)
        await record_labs(j, {**PRE_INFUSION, "alt": 100.0}, ("vital_signs",))
        await administer_infusion(j, 1)
        await toxicity_checks(j)
        await record_labs(j, {**PRE_INFUSION, "alt": 120.4})
        infusion2 = next(i for i in (await j.state()).infusions if i.number == 2)
        await advance_to(j, infusion2.window_start + HOUR)
        await j.advance(timedelta(days=1))
        state = await j.state()
        infusion2 = next(i for i in state.infusions if i.number == 2)
        assert infusion2.held_since is None and infusion2.hold_reason is None
    assert "InfusionHeld" not in services.event_types()
    rise = [e for e in services.events if e.type is EventType.LAB_RESULTS_RECORDED][-1]
    assert rise.payload["ctcae_grades"]["alt"] == 0
    assert rise.payload["ctcae_clauses"]["alt"] == "G0: 1.2 × baseline, below 1.5 × an abnormal baseline"


async def test_ctcae_v5_rise_above_1_5_x_abnormal_baseline_is_graded_from_the_baseline(workflow_env, task_queue):
    """CTCAE v5.0 ALT increased: 340 U/L against a 100 U/L abnormal baseline is G2 "> 3.0 - 5.0 x baseline"
    and holds the next infusion."""
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await record_labs(j, {**GOOD_SCREENING_LABS, "alt": 100.0})
        await record_eligibility(j)
        await j.wait_for_stage(Stage.BASELINE)
        await complete_baseline(j)
        await collect_biopsy(j)
        await manufacture(j)
        await advance_to(j, (await j.state()).infusions[0].target_at)
        await record_labs(j, {**PRE_INFUSION, "alt": 340.0}, ("vital_signs",))
        await j.advance(timedelta(hours=2))
        state = await j.state()
        assert state.infusions[0].hold_reason == "grade 2 alt in the latest result"
    graded = [e for e in services.events if e.type is EventType.LAB_RESULTS_RECORDED][-1]
    assert graded.payload["ctcae_clauses"]["alt"] == "G2: 3.4 × baseline (abnormal baseline)"


async def test_astct_afebrile_hypotension_is_not_crs_and_not_a_dlt(workflow_env, task_queue):
    """ASTCT CRS Consensus Grading: fever >= 38 °C is required. Hypotension on one vasopressor without
    fever, and without a fever masked by therapy, is refused as CRS, so it cannot be a CRS DLT."""
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await give_first_infusion(j)
        await j.advance(timedelta(hours=20))
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await record_crs(j, temperature_c=37.4, hypotension=True, vasopressor_kinds=["norepinephrine"])
        assert "not CRS under ASTCT" in str(refused.value.cause)
        with pytest.raises(WorkflowUpdateFailedError):
            await record_crs(j, temperature_c=37.4, hypotension=True, vasopressors=1)  # an earlier form's count
        await j.advance(timedelta(hours=1))
        state = await j.state()
        assert not state.dlt and state.open_adverse_events == []
        assert state.stage is Stage.INFUSION
    assert "DltDetected" not in services.event_types()


async def test_astct_masked_fever_still_grades_crs_and_grade_3_is_a_dlt(workflow_env, task_queue):
    """ASTCT CRS Consensus Grading, footnote: after tocilizumab fever is no longer required; hypotension on
    one vasopressor grades 3, which the protocol counts as a DLT regardless of attribution."""
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await give_first_infusion(j)
        await j.advance(timedelta(hours=20))
        accepted = await record_crs(
            j,
            temperature_c=37.1,
            fever_masked_by=["tocilizumab"],
            hypotension=True,
            vasopressor_kinds=["norepinephrine", "vasopressin"],
        )
        assert "grade 3" in accepted.message
        state = await j.wait_for_stage(Stage.RESPONSE_ASSESSMENT)
        [ae] = state.open_adverse_events
        assert ae.grade == 3 and ae.is_dlt and state.dlt
        assert ae.grade_clause == (
            "G3: hypotension on one vasopressor with or without vasopressin (norepinephrine, vasopressin) "
            "(fever masked by tocilizumab)"
        )
    recorded = next(e for e in services.events if e.type is EventType.ADVERSE_EVENT_RECORDED)
    assert recorded.payload["grade_clause"] == ae.grade_clause


async def test_astct_icans_focal_oedema_grades_3(workflow_env, task_queue):
    """ASTCT ICANS Consensus Grading: focal/local oedema on neuroimaging is grade 3 whatever the ICE score."""
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)
        await give_first_infusion(j)
        await j.advance(timedelta(hours=30))
        await j.update(
            "record_adverse_event",
            {
                "actor_id": STAFF,
                "term": "icans",
                "category": "icans",
                "icans": {
                    "ice_score": 8,
                    "consciousness": "awakens_spontaneously",
                    "raised_intracranial_pressure": "focal_oedema_on_imaging",
                },
                "attribution": "possible",
                "onset_at": (await j.now()).isoformat(),
            },
        )
        state = await j.state()
        [ae] = state.open_adverse_events
        assert ae.grade == 3 and ae.grade_clause == "G3: focal/local oedema on neuroimaging"
