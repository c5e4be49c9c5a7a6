"""What will happen to one simulated participant, drawn from the parameters and the seed.

Nothing here knows about Temporal: the site (simulation/site.py) asks the fate what to do
when the journey says something is due, and the real workflow judges what was done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from itc.models.enums import AeCategory, Milestone, ReceptorStatus, ResponseCategory
from itc.models.inputs import ConsentRecord
from itc.simulation.clock import days
from itc.simulation.dice import Dice
from itc.simulation.parameters import SimulationParameters

ACTOR_SITE = "sim.nurse"
ACTOR_LAB = "sim.lab"
ACTOR_SUPERVISOR = "sim.supervisor"
ACTOR_OPERATIONS = "sim.ops"
ACTOR_QUALITY = "sim.quality"

_FAILURE_CODES = {
    Milestone.BIOPSY_RECEIVED: "sample_damaged",
    Milestone.FIBROBLASTS_EXPANDED: "fibroblast_growth_arrest",
    Milestone.IPSC_LINE_ESTABLISHED: "reprogramming_failed",
    Milestone.IPSC_QC_PASSED: "karyotype_abnormal",
    Milestone.NK_DIFFERENTIATION_COMPLETE: "differentiation_failed",
    Milestone.PRODUCT_RELEASE_QC: "release_qc_failed",
}


@dataclass(frozen=True)
class Toxicity:
    """One adverse event an infusion will cause, and when the site will see it."""

    category: AeCategory
    term: str
    grade: int
    related: bool
    unexpected: bool
    check_day: int  # recorded at this post-infusion toxicity check
    lasts_days: float


class Fate:
    def __init__(self, params: SimulationParameters, index: int, arrival: datetime) -> None:
        self.params = params
        self.index = index
        self.participant_id = f"ITC-{index:03d}"
        self.arrival = arrival
        self.dice = Dice(params.seed, self.participant_id)
        d, c = self.dice, params.consent
        self.consent = ConsentRecord(
            participant_id=self.participant_id,
            consent_date=arrival.date(),
            consent_form_version="v2.1",
            date_of_birth=_birth_date(
                arrival.date(), d.spread("age", c.age_years), d.stream("birthday").randrange(365)
            ),
            sex="female",
            height_cm=round(d.spread("height", c.height_cm), 1),
            weight_kg=round(d.spread("weight", c.weight_kg), 1),
            er_status=_receptor(d.chance("er", c.receptor_positive_probability.get("er", 0.5))),
            pr_status=_receptor(d.chance("pr", c.receptor_positive_probability.get("pr", 0.5))),
            her2_status=_receptor(d.chance("her2", c.receptor_positive_probability.get("her2", 0.5))),
            site=params.site,
            actor_id=ACTOR_OPERATIONS,
            role="operations",
        )
        s = params.screening
        self.screen_failure: str | None = (
            d.pick("screen_reason", s.failure_reasons) if d.chance("screen_fails", s.failure_probability) else None
        )
        self.lesion_site: str = d.pick("lesion_site", params.baseline.lesion_sites)
        self.baseline_mm = round(d.spread("lesion_mm", params.baseline.lesion_diameter_mm), 1)
        self.week8_response = ResponseCategory(d.pick("week8", params.response.week8))
        self.dies_at = arrival + _finite_days(d.exponential_days("death", params.death_hazard_per_month))
        self.withdraws_at: datetime | None = None
        if d.chance("withdraws", params.withdrawal_probability):
            self.withdraws_at = arrival + days(
                d.stream("withdraw_when").uniform(0, params.withdrawal_within_months * 30.4375)
            )

    # ---------------------------------------------------------------- site delays

    def screening_delay(self) -> timedelta:
        return days(self.dice.spread("screening_delay", self.params.screening.days_to_results))

    def baseline_delay(self) -> timedelta:
        return days(self.dice.spread("baseline_delay", self.params.baseline.days_after_eligibility))

    def biopsy_delay(self, attempt: int) -> timedelta:
        return days(self.dice.spread(f"biopsy_delay/{attempt}", self.params.biopsy.days_after_baseline))

    def infusion_delay(self, number: int, target: datetime) -> timedelta:
        # Keyed by the target too: an infusion re-planned after a hold gets a fresh delay.
        return days(
            self.dice.spread(f"infusion_delay/{number}/{target.isoformat()}", self.params.infusion.hours_after_target)
            / 24
        )

    def decision_delay(self, key: str) -> timedelta:
        return days(self.dice.spread(f"decision_delay/{key}", self.params.manufacturing.decision_days))

    def sae_acknowledgement_delay(self, ae_id: str, clock: str) -> timedelta:
        return days(self.dice.spread(f"sae_ack/{ae_id}/{clock}", self.params.toxicity.sae_acknowledgement_hours) / 24)

    # ---------------------------------------------------------------- manufacturing

    def milestone_duration(self, attempt: int, milestone: Milestone) -> timedelta:
        return days(
            self.dice.spread(f"mfg/{attempt}/{milestone.value}", self.params.manufacturing.milestone_days[milestone])
        )

    def failing_milestone(self, attempt: int) -> Milestone | None:
        m = self.params.manufacturing
        if not self.dice.chance(f"mfg_fails/{attempt}", m.failure_probability):
            return None
        return self.dice.pick(f"mfg_fails_at/{attempt}", m.failure_at)

    def failure_code(self, milestone: Milestone) -> str:
        return _FAILURE_CODES[milestone]

    def rebiopsy_chosen(self, attempt: int) -> bool:
        return self.dice.chance(f"rebiopsy/{attempt}", self.params.manufacturing.rebiopsy_probability)

    def release_qc(self, attempt: int) -> dict[str, float | bool]:
        r = self.dice.stream(f"release_qc/{attempt}")
        return {
            "sterility_negative": True,
            "mycoplasma_negative": True,
            "endotoxin_eu_per_ml": round(r.uniform(0.2, 2.5), 2),
            "viability_percent": round(r.uniform(78, 96), 1),
            "cd56_cd3neg_purity_percent": round(r.uniform(84, 98), 1),
            "viable_cells_total": float(
                f"{self.dice.spread(f'cells/{attempt}', self.params.manufacturing.viable_cells_total):.3e}"
            ),
        }

    # ---------------------------------------------------------------- chain of custody

    # Keyed by the bag's unit number, not its unit ID: the ID carries the COI, which the journey
    # derives from its enrolment time, and that differs between two runs by the server's clock.
    def shipment_excursion(self, bag_number: int) -> bool:
        """Whether this bag's shipment to the site leaves its temperature range."""
        return self.dice.chance(f"excursion/{bag_number}", self.params.custody.shipment_excursion_probability)

    def quality_discards(self, bag_number: int) -> bool:
        """Whether quality discards this bag after its excursion, rather than release it under deviation."""
        return self.dice.chance(f"discard/{bag_number}", self.params.custody.discard_probability)

    # ---------------------------------------------------------------- toxicity

    def toxicities(self, infusion_number: int, check_days: tuple[int, ...]) -> list[Toxicity]:
        t, d = self.params.toxicity, self.dice
        weights = {day: w for day, w in t.onset_check_weights.items() if day in check_days} or {check_days[0]: 1.0}
        found: list[Toxicity] = []
        for category, table in (
            (AeCategory.CRS, t.crs),
            (AeCategory.ICANS, t.icans),
            (AeCategory.NON_HAEMATOLOGICAL, t.non_haematological),
            (AeCategory.HAEMATOLOGICAL, t.haematological),
        ):
            key = f"tox/{infusion_number}/{category.value}"
            grade = d.grade(key, table)
            if grade is None:
                continue
            if category is AeCategory.NON_HAEMATOLOGICAL:
                term = d.stream(f"{key}/term").choice(t.non_haematological_terms)
            else:
                term = {
                    AeCategory.CRS: "cytokine_release_syndrome",
                    AeCategory.ICANS: "icans",
                    AeCategory.HAEMATOLOGICAL: "neutropenia",
                }[category]
            # CRS, ICANS and cytopenias after a cell infusion are on-target; attribution is drawn
            # only where the protocol asks for it.
            related = (
                d.chance(f"{key}/related", t.related_probability) if category is AeCategory.NON_HAEMATOLOGICAL else True
            )
            spread = (
                t.haematological_grade4_duration_days
                if category is AeCategory.HAEMATOLOGICAL and grade == 4
                else t.duration_days
            )
            found.append(
                Toxicity(
                    category=category,
                    term=term,
                    grade=grade,
                    related=related,
                    unexpected=d.chance(f"{key}/unexpected", t.unexpected_probability),
                    check_day=d.pick(f"{key}/onset", weights),
                    lasts_days=d.spread(f"{key}/lasts", spread),
                )
            )
        return found

    def misses_toxicity_check(self, infusion_number: int, day: int) -> bool:
        return self.dice.chance(f"miss_check/{infusion_number}/{day}", self.params.toxicity.missed_check_probability)

    def check_delay(self, infusion_number: int, day: int) -> timedelta:
        # Within the check's one-day window, after the workflow has asked for it.
        return days(self.dice.stream(f"check_delay/{infusion_number}/{day}").choice((1, 2, 3, 4, 6, 8)) / 24)

    # ---------------------------------------------------------------- response and follow-up

    def scan_offset(self, key: str) -> timedelta:
        return days(self.dice.spread(f"scan_offset/{key}", self.params.response.scan_days_from_due))

    def confirmation_delay(self) -> timedelta:
        return days(self.dice.spread("confirmation_delay", self.params.response.confirmation_days_after_due))

    def progression_after(self, week8_scan_at: datetime) -> datetime:
        """When the disease progresses (seen at the next scan), for a participant without PD at week 8."""
        # Keyed by CR, PR and SD only: a week-8 PD is the progression itself, never asked here.
        hazards = {str(response): rate for response, rate in self.params.progression_hazard_per_month.items()}
        hazard = hazards[self.week8_response.value]
        return week8_scan_at + _finite_days(self.dice.exponential_days("progression", hazard))

    def misses_follow_up(self, cycle_due: datetime) -> bool:
        return self.dice.chance(
            f"miss_follow_up/{cycle_due.date().isoformat()}", self.params.missed_follow_up_scan_probability
        )


def _finite_days(n: float) -> timedelta:
    # Ten years is beyond any journey; it stands in for "never" and keeps datetimes finite.
    return days(min(n, 3652))


def _receptor(positive: bool) -> ReceptorStatus:
    return ReceptorStatus.POSITIVE if positive else ReceptorStatus.NEGATIVE


def _birth_date(consent_day: date, age_years: float, days_before_birthday: int) -> date:
    """A date of birth giving exactly int(age_years) at consent (the DOB itself is PHI; it is invented)."""
    age = int(age_years)
    day = 28 if (consent_day.month, consent_day.day) == (2, 29) else consent_day.day
    birthday_this_age = consent_day.replace(year=consent_day.year - age, day=day)
    return birthday_this_age - timedelta(days=days_before_birthday)
