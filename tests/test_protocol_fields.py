"""Every field of ProtocolConfig changes behaviour: change it, and something observable changes.

A case per leaf field, its id the field's path. Where a rule in `itc.rules` reads the
field, the case goes through that rule. Where only the journey or the trial workflow
reads it, the case runs a journey on the time-skipping server and watches only what the
outside sees (status, due actions, side effects, refusals), so it holds however the
workflow is arranged inside. Each case compares the observation under the changed
protocol with the one under the unchanged protocol; the unchanged one is taken once per
observer. The walk over the model makes a field added without a case fail here.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fixtures_temporal import open_environment
from journey_harness import (
    DAY,
    HOUR,
    STAFF,
    SUPERVISOR,
    MockServices,
    advance_to,
    complete_baseline,
    consent_record,
    drive_to_infusion,
    drive_to_manufacturing,
    follow_up_to_end,
    give_first_infusion,
    give_infusion,
    infuse_all,
    pass_screening,
    record_scan,
    start_journey,
    toxicity_checks,
    worker_for,
)
from pydantic import BaseModel
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from itc.base.errors import EnrolmentClosed
from itc.models.enums import Stage
from itc.models.trial import trial_workflow_id
from itc.rules import (
    baseline,
    ctcae,
    custody,
    dlt,
    dose,
    eligibility,
    outcome_change,
    pfs,
    recist,
    recist_best,
    release,
    stopping,
)
from itc.rules.config import (
    DEFAULT_PROTOCOL,
    DoseSplit,
    ManufacturingMilestoneSpec,
    ProtocolConfig,
    StoppingRule,
)
from itc.rules.lab_catalogue import LabCode
from itc.runtime.journeys import start_journey as enrol_through_trial


def leaf_fields(model: BaseModel, prefix: str = "") -> Iterator[str]:
    """Dotted paths of every field that is not itself a nested model."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from leaf_fields(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


def changed(protocol: ProtocolConfig, field: str, value: Any) -> ProtocolConfig:
    data = protocol.model_dump()
    *parents, leaf = field.split(".")
    node = data
    for parent in parents:
        node = node[parent]
    assert leaf in node, f"{field} is not a field of ProtocolConfig"
    node[leaf] = value
    return ProtocolConfig.model_validate(data)


# ---------------------------------------------------------------- through the rules

TODAY = date(2026, 6, 1)
T0 = datetime(2026, 6, 1, 9, tzinfo=UTC)


def _eligibility(p: ProtocolConfig) -> tuple[tuple[str, ...], tuple[str, ...]]:
    collected = TODAY - timedelta(days=20)  # inside the default 28-day window

    def lab(value: float) -> eligibility.LabValue:
        return eligibility.LabValue(value=value, collected_on=collected)

    facts = eligibility.ScreeningFacts(
        sex="female",
        age_years=52,
        advanced_breast_cancer=True,
        progressed_on_chemo_or_radiotherapy=True,
        metastasis_count=1,
        metastasis_site="lung",
        metastasis_measurable=True,
        active_uncontrolled_infection=False,
        other_unrelated_cancer=False,
        assessed_on=collected,
        creatinine_mg_dl=lab(1.0),
        spo2_percent=lab(98.0),
        alt_u_l=lab(30.0),
        ast_u_l=lab(28.0),
    )
    result = eligibility.evaluate_eligibility(
        facts, TODAY, p.eligibility, p.reference_ranges.alt_uln_u_l, p.reference_ranges.ast_uln_u_l
    )
    return tuple(f.code for f in result.failed), result.missing


def _lab_grades(p: ProtocolConfig) -> dict[str, int]:
    values = {
        LabCode.ALT: 100.0,
        LabCode.AST: 100.0,
        LabCode.CREATININE: 1.5,
        LabCode.NEUTROPHILS: 1500.0,
        LabCode.PLATELETS: 100_000.0,
    }
    return {code.value: ctcae.grade_lab(code, value, p.reference_ranges) for code, value in values.items()}


def _release(p: ProtocolConfig) -> list[str]:
    return release.release_failures(
        p.manufacturing.release,
        sterility_negative=False,
        mycoplasma_negative=False,
        endotoxin_eu_per_ml=4.0,
        viability_percent=75.0,
        cd56_cd3neg_purity_percent=85.0,
    )


def _custody(p: ProtocolConfig) -> tuple[Any, ...]:
    """Each custody threshold at the reading either side of its default."""
    released = datetime(2026, 1, 5, tzinfo=UTC)
    return (
        custody.excursion_reason(
            p.custody, cryopreserved=False, seal_intact=True,
            min_temperature_c=1.5, max_temperature_c=8.5, minutes_out_of_range=None,
        ),
        custody.excursion_reason(
            p.custody, cryopreserved=False, seal_intact=True,
            min_temperature_c=2.5, max_temperature_c=7.5, minutes_out_of_range=None,
        ),
        custody.excursion_reason(
            p.custody, cryopreserved=True, seal_intact=True,
            min_temperature_c=-190.0, max_temperature_c=-155.0, minutes_out_of_range=None,
        ),
        custody.excursion_reason(
            p.custody, cryopreserved=True, seal_intact=True,
            min_temperature_c=-197.0, max_temperature_c=-149.0, minutes_out_of_range=5,
        ),
        custody.excursion_reason(
            p.custody, cryopreserved=True, seal_intact=True,
            min_temperature_c=None, max_temperature_c=None, minutes_out_of_range=5,
        ),
        custody.thawed_too_long(p.custody, 45.0),
        custody.product_expiry(p.custody, released),
        custody.may_remanufacture_bag(p.custody, 0),
    )  # fmt: skip


def _dose(p: ProtocolConfig) -> dict[str, Any]:
    return dose.plan_dose(165.0, 60.0, p.dosing).model_dump()


def _dlt(p: ProtocolConfig) -> dict[str, Any]:
    d = p.dlt
    return {
        "window_end": dlt.dlt_window_end(T0, d),
        "grade_3_nausea": dlt.is_dlt_event("non_haematological", 3, True, d),
        "grade_3_crs": dlt.is_dlt_event("crs", 3, False, d),
        "haematological_grade_3_counts": dlt.is_haematological_dlt_grade(3, d),
        "grade_4_for_8_days": dlt.haematological_dlt(T0, T0 + 8 * DAY, d),
    }


def _lesion(lesion_id: str, organ: str, mm: float, node: bool = False) -> recist.Lesion:
    return recist.Lesion(lesion_id=lesion_id, organ=organ, diameter_mm=mm, is_lymph_node=node)


def _recist(p: ProtocolConfig) -> dict[str, Any]:
    cfg = p.recist
    three_organs = [_lesion("L1", "lung", 20), _lesion("L2", "liver", 20), _lesion("L3", "bone", 20)]

    def response(baseline_mm: float, nadir: float, current_mm: float) -> str:
        return recist.assess_response(
            [_lesion("L1", "lung", baseline_mm)], nadir, [_lesion("L1", "lung", current_mm)], False, False, cfg
        ).response

    return {
        "small_lesion": recist.baseline_problems([_lesion("L1", "lung", 12)], cfg),
        "small_node": recist.baseline_problems([_lesion("N1", "axilla", 16, node=True)], cfg),
        "three_organs": recist.baseline_problems(three_organs, cfg),
        "two_in_lung": recist.baseline_problems([_lesion("L1", "lung", 20), _lesion("L2", "lung", 20)], cfg),
        "node_shrinks_to_8": recist.assess_response(
            [_lesion("N1", "axilla", 20, node=True)], 20, [_lesion("N1", "axilla", 8, node=True)], False, False, cfg
        ).response,
        "down_35_percent": response(20, 20, 13),
        "up_25_percent_5_mm": response(20, 20, 25),
    }


def _pfs(p: ProtocolConfig) -> str:
    result = pfs.compute_pfs(TODAY, [], TODAY + timedelta(days=200), 2, p.follow_up.missed_assessments_censoring_death)
    return result.event_type


def _endotoxin_limit(p: ProtocolConfig) -> float:
    criteria = p.manufacturing.release
    return release.endotoxin_limit_eu_per_ml(criteria, 70.0, criteria.dose_volume_ml)


def _best_response(p: ProtocolConfig) -> str:
    point = recist_best.TimePoint(assessed_on=TODAY + timedelta(days=50), response="SD")
    return recist_best.best_overall_response([point], TODAY, 28, p.recist.stable_disease_min_days).response


def _outcome_codes(p: ProtocolConfig) -> list[str]:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    values = [
        outcome_change.Measurement(code=code, collected_at=at, value=1.0)
        for code in (LabCode.NK_CD56_CD3NEG, LabCode.IL_6, LabCode.CEA)
    ]
    return [s.code.value for s in outcome_change.marker_series(values, p.outcomes, [], 3)]


def _stopping(p: ProtocolConfig) -> dict[str, Any]:
    cfg = p.safety_stopping
    return {
        "two_of_three_stops": stopping.decide(2, 3, cfg).stop,
        "boin_boundaries": [stopping.boin_elimination_boundary(n, cfg) for n in range(1, 13)],
        "three_plus_three_boundaries": [stopping.three_plus_three_boundary(n, cfg) for n in range(1, 13)],
    }


def _baseline(p: ProtocolConfig) -> bool:
    return baseline.baseline_is_current(T0, T0 + 25 * DAY, p.baseline)


RuleObserver = Callable[[ProtocolConfig], Any]

RULE_CASES: dict[str, tuple[Any, RuleObserver]] = {
    "eligibility.min_age_years": (60, _eligibility),
    "eligibility.max_age_years": (50, _eligibility),
    "eligibility.required_sex": ("male", _eligibility),
    "eligibility.max_creatinine_mg_dl": (0.9, _eligibility),
    "eligibility.min_spo2_percent_exclusive": (98.0, _eligibility),
    "eligibility.max_alt_ast_x_uln": (0.5, _eligibility),
    "eligibility.allowed_metastasis_sites": (("bone", "liver"), _eligibility),
    "eligibility.screening_result_max_age_days": (14, _eligibility),
    "reference_ranges.alt_uln_u_l": (10.0, _lab_grades),
    "reference_ranges.ast_uln_u_l": (10.0, _lab_grades),
    "reference_ranges.creatinine_uln_mg_dl": (0.4, _lab_grades),
    "reference_ranges.neutrophils_lln_per_mm3": (1000.0, _lab_grades),
    "reference_ranges.platelets_lln_per_mm3": (90_000.0, _lab_grades),
    "manufacturing.release.sterility_negative": (False, _release),
    "manufacturing.release.mycoplasma_negative": (False, _release),
    "manufacturing.release.max_endotoxin_eu_per_ml": (3.0, _release),
    "manufacturing.release.endotoxin_limit_basis": ("flat", _endotoxin_limit),
    "manufacturing.release.endotoxin_k_eu_per_kg_per_hour": (2.5, _endotoxin_limit),
    "manufacturing.release.dose_volume_ml": (50.0, _endotoxin_limit),
    "manufacturing.release.min_viability_percent": (80.0, _release),
    "manufacturing.release.min_cd56_cd3neg_purity_percent": (90.0, _release),
    "dosing.min_cells_per_m2": (7e9, _dose),
    "dosing.target_cells_per_m2": (8.5e9, _dose),
    "dosing.max_cells_per_m2": (11e9, _dose),
    "dosing.split": (DoseSplit.PER_INFUSION, _dose),
    "dosing.infusion_count": (2, _dose),
    "dlt.window_days_after_last_infusion": (21, _dlt),
    "dlt.non_haematological_min_grade": (4, _dlt),
    "dlt.haematological_grade": (3, _dlt),
    "dlt.haematological_min_duration_days": (10, _dlt),
    "dlt.crs_icans_min_grade": (4, _dlt),
    "recist.min_measurable_mm": (15.0, _recist),
    "recist.min_node_short_axis_mm": (20.0, _recist),
    "recist.node_normal_short_axis_mm": (5.0, _recist),
    "recist.max_target_lesions": (2, _recist),
    "recist.max_target_lesions_per_organ": (1, _recist),
    "recist.partial_response_decrease_percent": (40.0, _recist),
    "recist.progression_increase_percent": (30.0, _recist),
    "recist.progression_min_absolute_mm": (6.0, _recist),
    "recist.stable_disease_min_days": (56, _best_response),
    "outcomes.immune_panel": ((LabCode.T_CD3,), _outcome_codes),
    "outcomes.cytokines": ((LabCode.IFN_GAMMA,), _outcome_codes),
    "outcomes.tumour_markers": ((LabCode.CA15_3,), _outcome_codes),
    "follow_up.missed_assessments_censoring_death": (3, _pfs),
    "safety_stopping.rule": (StoppingRule.THREE_PLUS_THREE, _stopping),
    "safety_stopping.target_toxicity": (0.5, _stopping),
    "safety_stopping.prior_alpha": (3.0, _stopping),
    "safety_stopping.prior_beta": (5.0, _stopping),
    "safety_stopping.posterior_cutoff": (0.7, _stopping),
    "safety_stopping.min_evaluable": (5, _stopping),
    "safety_stopping.three_plus_three.cohorts_max_evaluable": (9, _stopping),
    "safety_stopping.three_plus_three.cohorts_stopping_dlts": (3, _stopping),
    "safety_stopping.three_plus_three.beyond_stop_above_one_in": (4, _stopping),
    "baseline.max_days_before_first_infusion": (21, _baseline),
    "custody.fresh_specimen_c.min_c": (2.5, _custody),
    "custody.fresh_specimen_c.max_c": (7.0, _custody),
    "custody.cryopreserved_product_c.min_c": (-185.0, _custody),
    "custody.cryopreserved_product_c.max_c": (-160.0, _custody),
    "custody.max_minutes_out_of_range": (10, _custody),
    "custody.max_minutes_since_thaw": (30, _custody),
    "custody.product_shelf_life_days": (180, _custody),
    "custody.max_bag_remanufactures": (0, _custody),
}


@pytest.mark.parametrize(("field", "value", "observe"), [(f, *c) for f, c in RULE_CASES.items()], ids=list(RULE_CASES))
def test_changing_a_field_read_by_a_rule_changes_its_result(field, value, observe):
    assert observe(changed(DEFAULT_PROTOCOL, field, value)) != observe(DEFAULT_PROTOCOL)


# ---------------------------------------------------------------- through a journey


@dataclass
class Run:
    env: WorkflowEnvironment
    task_queue: str
    services: MockServices


JourneyObserver = Callable[[Run, ProtocolConfig], Awaitable[Any]]


def _offsets(due: list[Any], since: datetime) -> list[tuple[str, timedelta, timedelta | None]]:
    return [(d.action, d.due_at - since, d.window_end - d.due_at if d.window_end else None) for d in due]


async def opening(run: Run, p: ProtocolConfig) -> Any:
    j = await start_journey(run.env, run.task_queue, run.services, protocol=p)
    state = await j.state()
    return state.protocol_version, _offsets(state.next_due, state.stage_entered_at)


async def screening_reminders(run: Run, p: ProtocolConfig) -> Any:
    j = await start_journey(run.env, run.task_queue, run.services, protocol=p)
    await j.advance(20 * DAY + HOUR)
    return [effect for effect in run.services.side_effects() if effect[0] == "send_notification"]


async def baseline_and_biopsy(run: Run, p: ProtocolConfig) -> Any:
    j = await start_journey(run.env, run.task_queue, run.services, protocol=p)
    await pass_screening(j)
    at_baseline = await j.state()
    await complete_baseline(j)
    at_biopsy = await j.state()
    eligible_at = at_baseline.stage_entered_at
    return _offsets(at_baseline.next_due, eligible_at), _offsets(at_biopsy.next_due, eligible_at)


async def manufacturing(run: Run, p: ProtocolConfig) -> Any:
    j = await start_journey(run.env, run.task_queue, run.services, protocol=p)
    await drive_to_manufacturing(j)
    state = await j.state()
    collected = state.stage_entered_at
    plan = [(m.milestone.value, m.expected_by - collected) for m in state.manufacturing_milestones]
    await j.advance(3 * DAY + HOUR)
    decision_after_3_days = (await j.state()).awaiting_supervisor_decision
    await advance_to(j, collected + 121 * DAY)
    try:
        await j.update(
            "record_supervisor_decision", {"actor_id": SUPERVISOR, "decision": "re_biopsy", "reason": "Culture stalled"}
        )
        rebiopsy = "accepted"
    except WorkflowUpdateFailedError as refused:
        rebiopsy = f"refused: {getattr(refused.cause, 'type', None)}"
    return plan, decision_after_3_days, rebiopsy


async def infusion_schedule(run: Run, p: ProtocolConfig) -> Any:
    j = await start_journey(run.env, run.task_queue, run.services, protocol=p)
    await drive_to_infusion(j)
    state = await j.state()
    released = state.stage_entered_at
    first = state.infusions[0]
    plan = (first.target_at - released, first.window_end - first.target_at)
    await advance_to(j, first.window_start - 60 * HOUR)
    labs_ordered_60_hours_ahead = ("order_labs", "pre_infusion_1") in run.services.side_effects()
    await advance_to(j, first.target_at)
    await give_infusion(j, 1)
    state = await j.state()
    given = state.infusions[0].administered_at
    second = state.infusions[1].target_at - given
    checks = _offsets([d for d in state.next_due if d.action == "toxicity_check"], given)
    return plan, labs_ordered_60_hours_ahead, second, checks


async def infusion_hold(run: Run, p: ProtocolConfig) -> Any:
    j = await start_journey(run.env, run.task_queue, run.services, protocol=p)
    await give_first_infusion(j)
    await toxicity_checks(j)
    await j.update(
        "record_adverse_event",
        {
            "actor_id": STAFF,
            "term": "nausea",
            "category": "non_haematological",
            "attribution": "possible",
            "grade": 2,
            "onset_at": (await j.now()).isoformat(),
        },
    )
    second = next(i for i in (await j.state()).infusions if i.number == 2)
    await advance_to(j, second.window_start + HOUR)
    held = next(i for i in (await j.state()).infusions if i.number == 2).held_since is not None
    await j.advance(5 * DAY)
    discontinued = (await j.state()).infusions_discontinued
    return held, discontinued


async def response_and_follow_up(run: Run, p: ProtocolConfig) -> Any:
    j = await start_journey(run.env, run.task_queue, run.services, protocol=p)
    await drive_to_infusion(j)
    await infuse_all(j)
    state = await j.wait_for_stage(Stage.RESPONSE_ASSESSMENT)
    first_infusion = state.infusions[0].administered_at
    last_infusion = state.infusions[-1].administered_at
    response_due = _offsets(state.next_due, last_infusion)
    await advance_to(j, state.next_due[0].due_at)
    response_scan = await j.now()
    await record_scan(j, "response", 12.0)
    state = await j.state()
    confirmation_due = _offsets(state.next_due, response_scan)
    await advance_to(j, state.next_due[0].due_at)
    await record_scan(j, "confirmation", 11.0)
    state = await j.wait_for_stage(Stage.FOLLOW_UP)
    follow_up_due = _offsets(state.next_due, first_infusion)
    cycles = await follow_up_to_end(j)
    return response_due, confirmation_due, follow_up_due, cycles


async def sae_clocks(run: Run, p: ProtocolConfig) -> Any:
    j = await start_journey(run.env, run.task_queue, run.services, protocol=p)
    await give_first_infusion(j)
    for grade in (4, 3):  # life-threatening, then not: one SUSAR clock of each kind
        await j.update(
            "record_adverse_event",
            {
                "actor_id": STAFF,
                "term": "pneumonitis",
                "category": "non_haematological",
                "attribution": "probable",
                "grade": grade,
                "serious": True,
                "unexpected": True,
                "onset_at": (await j.now()).isoformat(),
            },
        )
    state = await j.state()
    return sorted((c.ae_id, c.clock, c.due_at - c.started_at) for c in state.open_sae_clocks)


async def trial_enrolment(run: Run, p: ProtocolConfig) -> Any:
    """Two enrolments through the trial; the trial ID gets a suffix so runs never share a trial."""
    suffix = f"-{uuid.uuid4().hex[:8]}"
    p = p.model_copy(update={"trial_id": p.trial_id + suffix})
    client: Client = run.env.client
    today = (await run.env.get_current_time()).date()
    outcomes = []
    for number in range(2):
        participant = f"PF{uuid.uuid4().hex[:6].upper()}-{number:03d}"
        try:
            await enrol_through_trial(client, consent_record(participant, today), p, run.task_queue)
            outcomes.append("enrolled")
        except EnrolmentClosed:
            outcomes.append("closed")
    return trial_workflow_id(p.trial_id).removesuffix(suffix), outcomes


FOLLOW_UP_BASE = changed(DEFAULT_PROTOCOL, "follow_up.duration_months", 12)

JOURNEY_CASES: dict[str, tuple[Any, JourneyObserver, ProtocolConfig]] = {
    "trial_id": ("IRCT-AMENDED", trial_enrolment, DEFAULT_PROTOCOL),
    "version": ("itc-1.1", opening, DEFAULT_PROTOCOL),
    "target_enrolment": (1, trial_enrolment, DEFAULT_PROTOCOL),
    "screening.reminder_after_days": (10, opening, DEFAULT_PROTOCOL),
    "screening.escalate_after_days": (16, screening_reminders, DEFAULT_PROTOCOL),
    "baseline.reminder_after_days": (7, baseline_and_biopsy, DEFAULT_PROTOCOL),
    "biopsy.book_within_days_of_eligibility": (21, baseline_and_biopsy, DEFAULT_PROTOCOL),
    "manufacturing.milestones": (
        tuple(
            ManufacturingMilestoneSpec(name=m.name, expected_days=m.expected_days + (2 if i == 0 else 0))
            for i, m in enumerate(DEFAULT_PROTOCOL.manufacturing.milestones)
        ),
        manufacturing,
        DEFAULT_PROTOCOL,
    ),
    "manufacturing.overall_deadline_days": (2, manufacturing, DEFAULT_PROTOCOL),
    "manufacturing.max_rebiopsies": (0, manufacturing, DEFAULT_PROTOCOL),
    "infusions.days_from_release_to_first_infusion": (10, infusion_schedule, DEFAULT_PROTOCOL),
    "infusions.schedule_days": ((0, 21, 42), infusion_schedule, DEFAULT_PROTOCOL),
    "infusions.window_days": (3, infusion_schedule, DEFAULT_PROTOCOL),
    "infusions.pre_infusion_check_hours": (48, infusion_schedule, DEFAULT_PROTOCOL),
    "infusions.toxicity_check_days": ((1, 2, 7), infusion_schedule, DEFAULT_PROTOCOL),
    "infusions.toxicity_check_window_days": (2, infusion_schedule, DEFAULT_PROTOCOL),
    "infusions.max_hold_days": (3, infusion_hold, DEFAULT_PROTOCOL),
    "infusions.hold_grade_threshold": (3, infusion_hold, DEFAULT_PROTOCOL),
    "response.weeks_after_last_infusion": (6, response_and_follow_up, FOLLOW_UP_BASE),
    "response.window_days": (10, response_and_follow_up, FOLLOW_UP_BASE),
    "response.confirmation_min_weeks": (5, response_and_follow_up, FOLLOW_UP_BASE),
    "response.confirmation_window_days": (10, response_and_follow_up, FOLLOW_UP_BASE),
    "follow_up.interval_weeks": (8, response_and_follow_up, FOLLOW_UP_BASE),
    "follow_up.window_days": (10, response_and_follow_up, FOLLOW_UP_BASE),
    "follow_up.duration_months": (6, response_and_follow_up, FOLLOW_UP_BASE),
    "sae.sponsor_notification_hours": (12, sae_clocks, DEFAULT_PROTOCOL),
    "sae.susar_fatal_or_life_threatening_days": (5, sae_clocks, DEFAULT_PROTOCOL),
    "sae.susar_other_days": (10, sae_clocks, DEFAULT_PROTOCOL),
}

_unchanged: dict[tuple[str, str], Any] = {}


async def observe(observer: JourneyObserver, protocol: ProtocolConfig) -> Any:
    """One observation on a time-skipping server of its own, whose end ends every workflow it ran.

    A shared server would hold the observed journeys on: with their worker gone, their next
    timer leaves a workflow task no one takes, and the server stops skipping time.
    """
    async with open_environment("time-skipping") as env:
        services = MockServices()
        task_queue = f"tq-{uuid.uuid4().hex}"
        async with worker_for(env.client, task_queue, services):
            return await observer(Run(env, task_queue, services), protocol)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("field", "value", "observer", "base"), [(f, *c) for f, c in JOURNEY_CASES.items()], ids=list(JOURNEY_CASES)
)
async def test_changing_a_field_only_the_workflows_read_changes_the_journey(request, field, value, observer, base):
    if request.config.getoption("--workflow-environment") != "time-skipping":
        pytest.skip("needs the time-skipping test server")
    key = (observer.__name__, base.model_dump_json())
    if key not in _unchanged:
        _unchanged[key] = await observe(observer, base)
    assert await observe(observer, changed(base, field, value)) != _unchanged[key]


def test_every_field_has_a_case():
    fields = list(leaf_fields(DEFAULT_PROTOCOL))
    assert not RULE_CASES.keys() & JOURNEY_CASES.keys(), "a field is tested one way"
    assert set(fields) == RULE_CASES.keys() | JOURNEY_CASES.keys()


def test_every_case_changes_its_field():
    for field, (value, *_) in {**RULE_CASES, **JOURNEY_CASES}.items():
        before, after = DEFAULT_PROTOCOL.model_dump(), changed(DEFAULT_PROTOCOL, field, value).model_dump()
        assert before != after, field
