"""What the simulated people record: each planned action becomes the same staff Updates
(with the same input models) that the CLI sends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from itc.models.custody import (
    HandoffKind,
    ProductUnit,
    QualityDecisionKind,
    RecordBedsideVerificationInput,
    RecordCustodyHandoffInput,
    RecordQualityDecisionInput,
)
from itc.models.enums import (
    AeCategory,
    Attribution,
    DecisionKind,
    Milestone,
    ResponseCategory,
    ScanKind,
)
from itc.models.inputs import (
    ActionAccepted,
    RecordAdverseEventInput,
    RecordBiopsyCollectedInput,
    RecordDeathInput,
    RecordEligibilityAssessmentInput,
    RecordInfusionAdministeredInput,
    RecordLabResultsInput,
    RecordManufacturingMilestoneInput,
    RecordScanResultInput,
    RecordSupervisorDecisionInput,
    RecordWithdrawalInput,
)
from itc.models.roles import Role
from itc.rules.chain_of_identity import UnitKind
from itc.rules.config import ProtocolConfig
from itc.simulation import outcome_values
from itc.simulation.clock import days, hours
from itc.simulation.fate import ACTOR_LAB, ACTOR_QUALITY, ACTOR_SITE, ACTOR_SUPERVISOR, Toxicity
from itc.simulation.participant import RecordedAe, SimParticipant
from itc.simulation.site import Planned

# The second of the two people who check a bag at the bedside.
ACTOR_SECOND_NURSE = "nurse.second"

# Sends one Update; returns None when the workflow refused it (the driver logs why).
Send = Callable[[SimParticipant, str, BaseModel, datetime], Awaitable[ActionAccepted | None]]

NORMAL_SCREENING = {"creatinine": 0.8, "spo2": 98.0, "alt": 28.0, "ast": 25.0}
SCREEN_FAILURE_LABS = {"creatinine": ("creatinine", 2.6), "spo2": ("spo2", 94.0), "alt": ("alt", 150.0)}
NEUTROPHILS_BY_GRADE = {0: 3200.0, 1: 1700.0, 2: 1200.0, 3: 800.0, 4: 400.0}
# One finding per ASTCT grade, in the full consensus's terms.
CRS_FINDINGS = {
    1: {"temperature_c": 38.6},
    2: {"temperature_c": 38.9, "hypotension": True},
    3: {"temperature_c": 39.2, "hypotension": True, "vasopressor_kinds": ["norepinephrine"]},
    4: {"temperature_c": 39.5, "hypotension": True, "vasopressor_kinds": ["norepinephrine", "phenylephrine"]},
}
ICANS_FINDINGS = {
    1: {"ice_score": 8, "consciousness": "awakens_spontaneously"},
    2: {"ice_score": 5, "consciousness": "awakens_to_voice"},
    3: {"ice_score": 1, "consciousness": "awakens_only_to_tactile_stimulus"},
    4: {"consciousness": "unarousable"},
}


def _labs(values: dict[str, float], at: datetime, qualitative: tuple[str, ...] = ()) -> RecordLabResultsInput:
    results: list[dict[str, Any]] = [
        {"code": code, "value": value, "collected_at": at} for code, value in values.items()
    ]
    results += [{"code": code, "interpretation": "normal", "collected_at": at} for code in qualitative]
    return RecordLabResultsInput(actor_id=ACTOR_SITE, results=results)


def _toxicity_labs(p: SimParticipant, at: datetime, new_cytopenia_grade: int = 0) -> RecordLabResultsInput:
    # Neutrophils agree with any open cytopenia, so lab-based and AE-based DLT rules see the same.
    open_grades = (
        r.toxicity.grade
        for r in p.open_aes.values()
        if r.toxicity.category is AeCategory.HAEMATOLOGICAL and r.resolves_at > at
    )
    grade = max(open_grades, default=new_cytopenia_grade)
    grade = max(grade, new_cytopenia_grade)
    values = {
        "creatinine": 0.8,
        "alt": 28.0,
        "ast": 25.0,
        "neutrophils": NEUTROPHILS_BY_GRADE[grade],
        "platelets": 210_000.0,
    }
    return _labs(values, at, ("vital_signs",))


def sample_id(p: SimParticipant, attempt: int) -> str:
    return f"SKN-{p.fate.index:03d}-{attempt}"


class SiteActions:
    def __init__(self, send: Send, protocol: ProtocolConfig) -> None:
        self._send, self._protocol = send, protocol

    async def perform(self, p: SimParticipant, item: Planned) -> None:
        await getattr(self, f"_{item.kind}")(p, item.at, *item.args)

    async def _review(self, p: SimParticipant, at: datetime) -> None:
        """Nothing to record: the driver re-reads the status afterwards."""

    async def _screen(self, p: SimParticipant, at: datetime) -> None:
        fate = p.fate
        labs = dict(NORMAL_SCREENING)
        if fate.screen_failure in SCREEN_FAILURE_LABS:
            code, value = SCREEN_FAILURE_LABS[fate.screen_failure]
            labs[code] = value
        if await self._send(p, "record_lab_results", _labs(labs, at - hours(2)), at) is None:
            return
        assessment = RecordEligibilityAssessmentInput(
            actor_id=ACTOR_SITE,
            advanced_breast_cancer=True,
            progressed_on_chemo_or_radiotherapy=True,
            metastasis_count=3 if fate.screen_failure == "metastases" else 1,
            metastasis_site=fate.lesion_site,
            metastasis_measurable=True,
            active_uncontrolled_infection=fate.screen_failure == "infection",
            other_unrelated_cancer=fate.screen_failure == "other_cancer",
            assessed_at=at,
        )
        await self._send(p, "record_eligibility_assessment", assessment, at)

    async def _baseline(self, p: SimParticipant, at: datetime) -> None:
        fate = p.fate
        scan = RecordScanResultInput(
            actor_id=ACTOR_SITE,
            kind=ScanKind.BASELINE,
            scanned_at=at - hours(1),
            target_lesions=[_lesion(p, fate.baseline_mm)],
        )
        if await self._send(p, "record_scan_result", scan, at) is None:
            return
        p.nadir_mm = p.last_mm = fate.baseline_mm
        labs = _labs(
            outcome_values.values(p, "baseline", 0.0, 1.0),
            at,
            ("flow_cytometry_panel", "elisa_cytokines", "ecg", "physical_exam"),
        )
        await self._send(p, "record_lab_results", labs, at)

    async def _biopsy(self, p: SimParticipant, at: datetime, attempt: int) -> None:
        request = RecordBiopsyCollectedInput(actor_id=ACTOR_SITE, sample_id=sample_id(p, attempt), collected_at=at)
        if await self._send(p, "record_biopsy_collected", request, at) is not None:
            p.biopsy_collected_at[attempt] = at

    async def _milestone(
        self, p: SimParticipant, at: datetime, attempt: int, milestone: Milestone, succeeds: bool
    ) -> None:
        body: dict[str, Any] = {
            "actor_id": ACTOR_LAB,
            "milestone": milestone,
            "sample_id": sample_id(p, attempt),
            "occurred_at": at,
            "succeeded": succeeds,
        }
        if not succeeds:
            body["failure_code"] = p.fate.failure_code(milestone)
        elif milestone is Milestone.PRODUCT_RELEASE_QC:
            body["release_qc"] = p.fate.release_qc(attempt)
        await self._send(p, "record_manufacturing_milestone", RecordManufacturingMilestoneInput(**body), at)

    async def _decision(self, p: SimParticipant, at: datetime, decision: DecisionKind, why: str) -> None:
        reasons = {
            "failed": "Manufacturing failed; decided after review with the manufacturing lab",
            "deadline": "Manufacturing is late but progressing; continue",
            "paused": "Trial paused by the safety stopping rule; no further infusions",
            "bag_discarded": "Bag discarded by quality after a temperature excursion on its shipment",
        }
        request = RecordSupervisorDecisionInput(actor_id=ACTOR_SUPERVISOR, decision=decision, reason=reasons[why])
        await self._send(p, "record_supervisor_decision", request, at)

    async def _infusion(self, p: SimParticipant, at: datetime, number: int) -> None:
        status = p.status
        assert status is not None and status.dose_plan is not None
        if await self._send(p, "record_lab_results", _toxicity_labs(p, at - hours(1)), at) is None:
            return
        if number > 1:
            # Immune function before each infusion after the first: the product's effect so far.
            immune = outcome_values.values(p, f"infusion-{number}", 0.5 * (number - 1), _tumour_ratio(p))
            await self._send(p, "record_lab_results", _labs(immune, at - hours(1)), at)
        if not await self._to_bedside(p, at, number):
            return  # its bag was discarded: the supervisor decides what replaces it
        request = RecordInfusionAdministeredInput(
            actor_id=ACTOR_SITE,
            infusion_number=number,
            administered_at=at,
            cells_administered=status.dose_plan.cells_per_infusion,
            product_sample_id=sample_id(p, status.biopsy_attempts),
        )
        await self._send(p, "record_infusion_administered", request, at)

    async def _to_bedside(self, p: SimParticipant, at: datetime, number: int) -> bool:
        """Under chain of custody the bag is released, shipped, received and thawed, then two
        different people check it at the bedside, before the infusion can be recorded. A shipment
        the fate makes warm puts the bag on hold and quality decides; False only when the bag was
        discarded (a refused step leaves the infusion to be tried, refused and retried as any other)."""
        status = p.status
        assert status is not None
        # The latest bag for this infusion: one re-made after a discard replaces the first.
        bag = next((u for u in reversed(status.units) if u.kind is UnitKind.BAG and u.infusion_number == number), None)
        if status.chain_of_identity is None or bag is None:
            return True
        if bag.on_hold and not await self._quality_decides(p, at, bag):
            return False
        if bag.discarded:
            return False
        steps = [(HandoffKind.RELEASED, hours(3)), (HandoffKind.SHIPPED_TO_SITE, hours(2))]
        steps += [(HandoffKind.PHARMACY_RECEIVED, hours(1)), (HandoffKind.THAWED, hours(1 / 3))]
        done = {h.handoff for h in bag.handoffs}
        for kind, before in steps:
            if kind in done:
                continue
            cold = {} if kind is HandoffKind.THAWED else {"min_temperature_c": -185.0, "max_temperature_c": -170.0}
            excursion = kind is HandoffKind.SHIPPED_TO_SITE and p.fate.shipment_excursion(bag.number)
            if excursion:
                cold["max_temperature_c"] = -120.0  # the dry shipper warmed up on the way
            handoff = RecordCustodyHandoffInput(
                actor_id=ACTOR_SITE,
                role=Role.OPERATIONS,
                handoff=kind,
                unit_id=bag.unit_id,
                participant_scan=p.participant_id,
                occurred_at=at - before,
                **cold,
            )
            if await self._send(p, "record_custody_handoff", handoff, at) is None:
                return True
            if excursion and not await self._quality_decides(p, at, bag):
                return False
        for actor in (ACTOR_SITE, ACTOR_SECOND_NURSE):
            check = RecordBedsideVerificationInput(
                actor_id=actor,
                role=Role.OPERATIONS,
                infusion_number=number,
                unit_id=bag.unit_id,
                wristband_id=p.participant_id,
                verified_at=at - hours(1 / 6),
            )
            await self._send(p, "record_bedside_verification", check, at)
        return True

    async def _quality_decides(self, p: SimParticipant, at: datetime, bag: ProductUnit) -> bool:
        """Quality's decision on a bag held after an excursion; False when the bag was discarded.
        A refused decision counts as not discarded: the infusion is tried, refused and retried."""
        discard = p.fate.quality_discards(bag.number)
        decision = QualityDecisionKind.DISCARD if discard else QualityDecisionKind.RELEASE_UNDER_DEVIATION
        request = RecordQualityDecisionInput(
            actor_id=ACTOR_QUALITY,
            role=Role.QUALITY,
            unit_id=bag.unit_id,
            decision=decision,
            reason="Logger trace of the shipment reviewed",
        )
        accepted = await self._send(p, "record_quality_decision", request, at)
        return accepted is None or not discard

    async def _toxicity_check(self, p: SimParticipant, at: datetime, number: int, day: int) -> None:
        new = [t for t in p.fate.toxicities(number, self._protocol.infusions.toxicity_check_days) if t.check_day == day]
        for toxicity in new:
            onset = at - hours(2)
            request = _adverse_event(toxicity, onset)
            accepted = await self._send(p, "record_adverse_event", request, at)
            if accepted is not None:
                # Its AE ID is read from the status once the driver re-reads it.
                p.unlinked_aes[accepted.sequence] = RecordedAe(toxicity, request, onset + days(toxicity.lasts_days))
        new_cytopenia = max((t.grade for t in new if t.category is AeCategory.HAEMATOLOGICAL), default=0)
        await self._send(p, "record_lab_results", _toxicity_labs(p, at, new_cytopenia), at)

    async def _resolve_ae(self, p: SimParticipant, at: datetime, ae_id: str) -> None:
        recorded = p.open_aes[ae_id]
        request = recorded.request.model_copy(update={"ae_id": ae_id, "resolved_at": at})
        if await self._send(p, "record_adverse_event", request, at) is not None:
            del p.open_aes[ae_id]

    async def _sae_ack(self, p: SimParticipant, at: datetime, ae_id: str, clock: str) -> None:
        decision = DecisionKind.SAE_REPORTED_TO_SPONSOR if clock == "sponsor_24h" else DecisionKind.SUSAR_REPORTED
        request = RecordSupervisorDecisionInput(
            actor_id=ACTOR_SUPERVISOR, decision=decision, ae_id=ae_id, reason=f"{clock} report sent to the sponsor"
        )
        await self._send(p, "record_supervisor_decision", request, at)

    async def _scan(self, p: SimParticipant, at: datetime, kind: str) -> None:
        fate = p.fate
        if kind == "response":
            intended = fate.week8_response
            p.progression_at = at if intended is ResponseCategory.PD else fate.progression_after(at)
        elif p.progression_at is not None and p.progression_at <= at:
            intended = ResponseCategory.PD
        else:
            intended = None  # unchanged since the last scan
        # A CR lesion measures 0 mm: "or" would mistake it for no measurement.
        nadir = fate.baseline_mm if p.nadir_mm is None else p.nadir_mm
        last = fate.baseline_mm if p.last_mm is None else p.last_mm
        size = _size_for(
            intended,
            fate.baseline_mm,
            nadir,
            last,
            fate.lesion_site == "lymph_node",
            fate.dice.stream(f"size/{kind}/{at.isoformat()}").random(),
        )
        scan = RecordScanResultInput(
            actor_id=ACTOR_SITE, kind=ScanKind(kind), scanned_at=at, target_lesions=[_lesion(p, size)]
        )
        if kind in ("response", "follow_up") and p.status is not None and not p.status.stage.is_terminal:
            # Immune function and tumour markers with each assessment, before the scan that may end
            # the journey: a response keeps the NK cells up; the markers follow the lesion.
            levels = {ResponseCategory.CR: 2.0, ResponseCategory.PR: 1.6, ResponseCategory.SD: 1.0}
            level = 1.0 if intended is None else levels.get(intended, 0.4)
            ratio = size / fate.baseline_mm if fate.baseline_mm else 1.0
            measured = outcome_values.values(p, f"{kind}-{at.date().isoformat()}", level, ratio)
            await self._send(p, "record_lab_results", _labs(measured, at - hours(1)), at)
        if await self._send(p, "record_scan_result", scan, at) is not None:
            p.last_mm = size
            p.nadir_mm = min(p.nadir_mm if p.nadir_mm is not None else size, size)

    async def _death(self, p: SimParticipant, at: datetime) -> None:
        await self._send(
            p, "record_death", RecordDeathInput(actor_id=ACTOR_SITE, died_at=at, attribution=Attribution.UNRELATED), at
        )

    async def _withdrawal(self, p: SimParticipant, at: datetime) -> None:
        await self._send(p, "record_withdrawal", RecordWithdrawalInput(actor_id=ACTOR_SITE, withdrawn_at=at), at)


def _tumour_ratio(p: SimParticipant) -> float:
    baseline = p.fate.baseline_mm
    return 1.0 if p.last_mm is None or not baseline else p.last_mm / baseline


def _lesion(p: SimParticipant, size_mm: float) -> dict[str, Any]:
    site = p.fate.lesion_site
    return {"lesion_id": "T1", "organ": site, "is_lymph_node": site == "lymph_node", "diameter_mm": size_mm}


def _size_for(
    intended: ResponseCategory | None, baseline: float, nadir: float, last: float, node: bool, u: float
) -> float:
    """A lesion size that RECIST 1.1 reads as the intended response (the workflow judges it)."""
    if intended is None:
        return last
    if intended is ResponseCategory.CR:
        return 6.0 if node else 0.0  # a node under 10 mm short axis counts as resolved
    if intended is ResponseCategory.PR:
        return round(baseline * (0.4 + 0.25 * u), 1)
    if intended is ResponseCategory.SD:
        return round(baseline * (0.8 + 0.25 * u), 1)
    return round(max(nadir * 1.3, nadir + 6.0) + 4 * u, 1)


def _adverse_event(toxicity: Toxicity, onset: datetime) -> RecordAdverseEventInput:
    body: dict[str, Any] = {
        "actor_id": ACTOR_SITE,
        "term": toxicity.term,
        "category": toxicity.category,
        "attribution": Attribution.PROBABLE if toxicity.related else Attribution.UNLIKELY,
        "serious": toxicity.grade >= 3,
        "unexpected": toxicity.unexpected,
        "onset_at": onset,
    }
    if toxicity.category is AeCategory.CRS:
        body["crs"] = CRS_FINDINGS[toxicity.grade]
    elif toxicity.category is AeCategory.ICANS:
        body["icans"] = ICANS_FINDINGS[toxicity.grade]
    else:
        body["grade"] = toxicity.grade
    return RecordAdverseEventInput(**body)
