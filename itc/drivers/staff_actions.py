"""Staff actions as Updates, scripted stage by stage.

Each helper takes any journey driver with the `DrivenJourney` shape: the
time-skipping test journey, or the benchmarks' journey on the real dev server.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from itc.actions import BY_UPDATE
from itc.models.enums import Stage
from itc.models.inputs import ActionAccepted, StaffAction
from itc.models.state import JourneyStatus


class DrivenJourney(Protocol):
    async def now(self) -> datetime: ...
    async def advance(self, duration: timedelta) -> None: ...
    async def update(self, name: str, payload: Any) -> ActionAccepted: ...
    async def state(self) -> JourneyStatus: ...
    async def wait_for_stage(self, stage: Stage, timeout: float = 30.0) -> JourneyStatus: ...


STAFF = "nurse.rahimi"
SUPERVISOR = "dr.karimi"
SAMPLE = "SKN-0001"
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

GOOD_SCREENING_LABS = {"creatinine": 1.0, "spo2": 98.0, "alt": 30.0, "ast": 28.0}
# An investigator's assessment that meets every clinical criterion of the protocol.
ELIGIBLE_FINDINGS: dict[str, Any] = {
    "advanced_breast_cancer": True,
    "progressed_on_chemo_or_radiotherapy": True,
    "metastasis_count": 1,
    "metastasis_site": "lung",
    "metastasis_measurable": True,
    "active_uncontrolled_infection": False,
    "other_unrelated_cancer": False,
}
PRE_INFUSION = {"creatinine": 0.9, "alt": 30.0, "ast": 28.0, "neutrophils": 3000.0, "platelets": 200000.0}


def acting_in_role(update_name: str, payload: Any) -> Any:
    """Scripts act in the role whose job the action is, unless the payload says otherwise."""
    if update_name not in BY_UPDATE:
        return payload
    role = BY_UPDATE[update_name].permitted_roles[0]
    if isinstance(payload, dict) and "role" not in payload:
        return {**payload, "role": role.value}
    if isinstance(payload, StaffAction) and payload.role is None:
        return payload.model_copy(update={"role": role})
    return payload


def lab_results(values: dict[str, float], at: datetime, qualitative: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = [
        {"code": code, "value": value, "collected_at": at.isoformat()} for code, value in values.items()
    ]
    results += [{"code": code, "interpretation": "normal", "collected_at": at.isoformat()} for code in qualitative]
    return results


async def record_labs(
    j: DrivenJourney, values: dict[str, float], qualitative: tuple[str, ...] = (), at: datetime | None = None
) -> ActionAccepted:
    at = at or await j.now()
    return await j.update("record_lab_results", {"actor_id": STAFF, "results": lab_results(values, at, qualitative)})


async def record_eligibility(j: DrivenJourney, **overrides: Any) -> ActionAccepted:
    assessment: dict[str, Any] = {
        "actor_id": STAFF,
        **ELIGIBLE_FINDINGS,
        "assessed_at": (await j.now()).isoformat(),
        **overrides,
    }
    return await j.update("record_eligibility_assessment", assessment)


async def record_scan(j: DrivenJourney, kind: str, diameter_mm: float, new_lesions: bool = False) -> ActionAccepted:
    return await j.update(
        "record_scan_result",
        {
            "actor_id": STAFF,
            "kind": kind,
            "scanned_at": (await j.now()).isoformat(),
            "target_lesions": [{"lesion_id": "L1", "organ": "lung", "diameter_mm": diameter_mm}],
            "new_lesions": new_lesions,
        },
    )


async def pass_screening(j: DrivenJourney) -> None:
    await record_labs(j, GOOD_SCREENING_LABS)
    await record_eligibility(j)
    await j.wait_for_stage(Stage.BASELINE)


async def complete_baseline(j: DrivenJourney) -> None:
    await record_scan(j, "baseline", 20.0)
    await record_labs(
        j, {"ca15_3": 40.0, "cea": 4.0}, ("flow_cytometry_panel", "elisa_cytokines", "ecg", "physical_exam")
    )
    await j.wait_for_stage(Stage.BIOPSY)


async def collect_biopsy(j: DrivenJourney, sample_id: str = SAMPLE) -> None:
    await j.update(
        "record_biopsy_collected",
        {"actor_id": STAFF, "sample_id": sample_id, "collected_at": (await j.now()).isoformat()},
    )
    await j.wait_for_stage(Stage.MANUFACTURING)


MILESTONES = (
    ("biopsy_received", 2),
    ("fibroblasts_expanded", 20),
    ("ipsc_line_established", 30),
    ("ipsc_qc_passed", 10),
    ("nk_differentiation_complete", 30),
    ("product_release_qc", 5),
)

GOOD_RELEASE_QC = {
    "sterility_negative": True,
    "mycoplasma_negative": True,
    "endotoxin_eu_per_ml": 1.0,
    "viability_percent": 92.0,
    "cd56_cd3neg_purity_percent": 95.0,
    "viable_cells_total": 2.0e10,
}


async def record_milestone(j: DrivenJourney, milestone: str, sample_id: str = SAMPLE, **extra: Any) -> ActionAccepted:
    body: dict[str, Any] = {
        "actor_id": "lab.tech",
        "milestone": milestone,
        "sample_id": sample_id,
        "occurred_at": (await j.now()).isoformat(),
    }
    if milestone == "product_release_qc" and "release_qc" not in extra and extra.get("succeeded", True):
        body["release_qc"] = GOOD_RELEASE_QC
    body.update(extra)
    return await j.update("record_manufacturing_milestone", body)


async def manufacture(j: DrivenJourney, sample_id: str = SAMPLE) -> None:
    for milestone, days in MILESTONES:
        await j.advance(timedelta(days=days))
        await record_milestone(j, milestone, sample_id)
    await j.wait_for_stage(Stage.INFUSION)


async def give_infusion(j: DrivenJourney, number: int, sample_id: str = SAMPLE) -> ActionAccepted:
    """Pre-infusion labs now, then the infusion at the planned dose."""
    await record_labs(j, PRE_INFUSION, ("vital_signs",))
    return await administer_infusion(j, number, sample_id)


async def administer_infusion(j: DrivenJourney, number: int, sample_id: str = SAMPLE) -> ActionAccepted:
    """The infusion itself at the planned dose, its pre-infusion labs already recorded."""
    dose_plan = (await j.state()).dose_plan
    if dose_plan is None:
        raise RuntimeError("no dose plan yet: manufacturing has not released a product")
    # Imported here: the custody steps build on this module's helpers.
    from itc.drivers.custody_actions import ready_for_infusion

    await ready_for_infusion(j, number)
    return await j.update(
        "record_infusion_administered",
        {
            "actor_id": STAFF,
            "infusion_number": number,
            "administered_at": (await j.now()).isoformat(),
            "cells_administered": dose_plan.cells_per_infusion,
            "product_sample_id": sample_id,
        },
    )


async def toxicity_checks(j: DrivenJourney) -> None:
    """Day +1, +3 and +7 labs, each just after it falls due."""
    elapsed = timedelta(0)
    for day in (1, 3, 7):
        step = timedelta(days=day) + HOUR - elapsed
        await j.advance(step)
        elapsed += step
        await record_labs(j, PRE_INFUSION)


async def advance_to(j: DrivenJourney, moment: datetime) -> None:
    now = await j.now()
    if moment > now:
        await j.advance(moment - now)


async def infuse_all(j: DrivenJourney) -> None:
    for number in (1, 2, 3):
        state = await j.state()
        infusion = next(i for i in state.infusions if i.number == number)
        await advance_to(j, infusion.target_at)
        await give_infusion(j, number)
        await toxicity_checks(j)


async def give_first_infusion(j: DrivenJourney) -> None:
    await drive_to_infusion(j)
    await advance_to(j, (await j.state()).infusions[0].target_at)
    await give_infusion(j, 1)


async def drive_to_manufacturing(j: DrivenJourney, sample_id: str = SAMPLE) -> None:
    await pass_screening(j)
    await complete_baseline(j)
    await collect_biopsy(j, sample_id)


async def drive_to_infusion(j: DrivenJourney) -> None:
    await drive_to_manufacturing(j)
    await manufacture(j)


async def assess_response(j: DrivenJourney) -> JourneyStatus:
    """Week-8 partial response, confirmed four weeks later."""
    state = await j.wait_for_stage(Stage.RESPONSE_ASSESSMENT)
    await advance_to(j, state.next_due[0].due_at)
    await record_scan(j, "response", 12.0)  # -40 % from 20 mm: PR
    await j.advance(timedelta(weeks=4))
    await record_scan(j, "confirmation", 11.0)
    return await j.wait_for_stage(Stage.FOLLOW_UP)


async def follow_up_to_end(j: DrivenJourney) -> int:
    """Every follow-up scan on its due date, stable disease, until follow-up ends; returns the cycles."""
    cycles = 0
    while True:
        state = await j.state()
        if state.stage is not Stage.FOLLOW_UP:
            return cycles
        due = [d for d in state.next_due if d.action == "follow_up_scan"]
        if not due:
            await j.advance(DAY * 7)
            continue
        await advance_to(j, due[0].due_at)
        await record_scan(j, "follow_up", 11.0)
        cycles += 1
        await j.advance(DAY)
