"""Biopsy and manufacturing: collect the sample, follow the milestones, release the product or fail.

A failed or overdue manufacturing run waits for a supervisor: re-biopsy, continue or off-study.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itc.journey import infusion, slots
from itc.journey.amendments import ENDOTOXIN_DOSE_AWARE_LIMIT
from itc.journey.facts import next_milestone, require_biopsy
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import ActionOutcome, Outcome
from itc.models.enums import AppointmentKind, EventType, Milestone, Recipient, Stage
from itc.models.inputs import RecordBiopsyCollectedInput, RecordManufacturingMilestoneInput
from itc.models.state import BiopsyAttempt, JourneyState, MilestoneRecord
from itc.rules.dose import plan_dose, product_sufficient
from itc.rules.release import endotoxin_limit_eu_per_ml, release_failures

# ------------------------------------------------------------------ biopsy


def start_attempt(journal: Journal, collect_by: datetime) -> None:
    state, now = journal.state, journal.now
    state.biopsies.append(
        BiopsyAttempt(attempt=len(state.biopsies) + 1, started_at=now, collect_by=max(collect_by, now))
    )
    journal.enter(Stage.BIOPSY)


def begin_collection(state: JourneyState, at: Moment) -> Outcome:
    """Book the biopsy from today to the collect-by day, within the manufacturing slot's week when one is held."""
    journal = Journal(state, at)
    attempt = require_biopsy(state)
    today = at.now.date()
    window = slots.biopsy_window(state, today, attempt.collect_by.date())
    earliest, latest = window or (today, max(today, attempt.collect_by.date()))
    journal.book(AppointmentKind.BIOPSY, earliest, latest)
    return journal.outcome()


def collection_deadline(state: JourneyState) -> datetime | None:
    """When to escalate an uncollected biopsy; None once that was done."""
    attempt = require_biopsy(state)
    return None if attempt.collection_escalated else attempt.collect_by


def is_collected(state: JourneyState) -> bool:
    return require_biopsy(state).collected_at is not None


def collection_overdue(state: JourneyState, at: Moment) -> Outcome:
    journal = Journal(state, at)
    attempt = require_biopsy(state)
    attempt.collection_escalated = True
    journal.deviation(f"Biopsy attempt {attempt.attempt} not collected by {attempt.collect_by.date()}")
    journal.escalate(Recipient.SUPERVISOR, "biopsy_overdue", f"Biopsy attempt {attempt.attempt} is overdue")
    return journal.outcome()


def dispatch_sample(state: JourneyState, at: Moment) -> Outcome:
    """The sample leaves for the manufacturing lab, and manufacturing begins."""
    journal = Journal(state, at)
    attempt = require_biopsy(state)
    journal.notify(
        Recipient.MANUFACTURING_LAB,
        "sample_dispatched",
        f"Sample {attempt.sample_id} for manufacturing",
        f"Biopsy attempt {attempt.attempt} collected; expect receipt of sample {attempt.sample_id}.",
        cause=state.last_sequence,
    )
    journal.enter(Stage.MANUFACTURING)
    return journal.outcome()


def record_collected(state: JourneyState, at: Moment, inp: RecordBiopsyCollectedInput) -> ActionOutcome:
    journal = Journal(state, at)
    attempt = require_biopsy(state)
    attempt.sample_id, attempt.collected_at = inp.sample_id, inp.collected_at
    manufacturing = state.protocol.manufacturing
    deadline = inp.collected_at + timedelta(days=manufacturing.overall_deadline_days)
    attempt.manufacturing_deadline = deadline
    attempt.milestones = [MilestoneRecord(milestone=Milestone(spec.name)) for spec in manufacturing.milestones]
    _reschedule_milestones(state, attempt, inp.collected_at)
    seq = journal.emit(
        EventType.BIOPSY_COLLECTED,
        {"attempt": attempt.attempt, "sample_id": inp.sample_id, "manufacturing_deadline": deadline.isoformat()},
        action=inp,
        occurred_at=inp.collected_at,
        summary=f"Biopsy {attempt.attempt} collected, sample {inp.sample_id}",
    )
    return journal.accepted(inp, seq, f"Biopsy recorded; sample {inp.sample_id} starts the chain of identity")


# ------------------------------------------------------------------ manufacturing


def progress(state: JourneyState) -> tuple[object, ...]:
    """Everything whose change the manufacturing stage must react to."""
    attempt = require_biopsy(state)
    done = sum(1 for m in attempt.milestones if m.occurred_at is not None)
    return (state.stage, len(state.biopsies), done, attempt.failed, state.awaiting_decision)


def next_deadline(state: JourneyState) -> datetime | None:
    """The next milestone or the overall deadline, whichever is sooner and not yet escalated."""
    attempt = require_biopsy(state)
    milestone = next_milestone(attempt)
    deadlines: list[datetime] = []
    if milestone is not None and not milestone.overdue_escalated and not attempt.failed:
        assert milestone.expected_by is not None
        deadlines.append(milestone.expected_by)
    if not attempt.deadline_escalated and not attempt.failed:
        assert attempt.manufacturing_deadline is not None
        deadlines.append(attempt.manufacturing_deadline)
    return min(deadlines, default=None)


def check_deadlines(state: JourneyState, at: Moment) -> Outcome:
    """Escalate an overdue milestone, and the overall deadline once it has passed."""
    journal = Journal(state, at)
    attempt = require_biopsy(state)
    milestone = next_milestone(attempt)
    now = at.now
    if milestone is not None and not milestone.overdue_escalated:
        expected_by = milestone.expected_by
        assert expected_by is not None
        if now >= expected_by:
            milestone.overdue_escalated = True
            journal.emit(
                EventType.MANUFACTURING_MILESTONE_OVERDUE,
                {"milestone": milestone.milestone.value, "expected_by": expected_by.isoformat()},
                summary=f"{milestone.milestone.value} overdue",
            )
            journal.escalate(
                Recipient.SUPERVISOR,
                "milestone_overdue",
                f"Manufacturing step {milestone.milestone.value} is overdue (expected by {expected_by.date()})",
            )
    deadline = attempt.manufacturing_deadline
    assert deadline is not None
    if not attempt.deadline_escalated and now >= deadline:
        attempt.deadline_escalated = True
        state.awaiting_decision = True
        journal.emit(
            EventType.MANUFACTURING_DEADLINE_PASSED,
            {"deadline": deadline.isoformat()},
            summary="Manufacturing deadline passed",
        )
        journal.escalate(
            Recipient.SUPERVISOR,
            "manufacturing_deadline",
            "Manufacturing passed its overall deadline: decide re-biopsy, off-study or continue",
        )
    return journal.outcome()


def record_milestone(state: JourneyState, at: Moment, inp: RecordManufacturingMilestoneInput) -> ActionOutcome:
    journal = Journal(state, at)
    attempt = require_biopsy(state)
    milestone = next_milestone(attempt)
    assert milestone is not None and milestone.expected_by is not None
    milestone.occurred_at, milestone.succeeded = inp.occurred_at, inp.succeeded
    on_time = inp.occurred_at <= milestone.expected_by
    seq = journal.emit(
        EventType.MANUFACTURING_MILESTONE_RECORDED,
        {
            "milestone": inp.milestone.value,
            "sample_id": inp.sample_id,
            "succeeded": inp.succeeded,
            "failure_code": inp.failure_code,
            "on_time": on_time,
            "release_qc": inp.release_qc.model_dump() if inp.release_qc else None,
        },
        action=inp,
        occurred_at=inp.occurred_at,
        summary=f"{inp.milestone.value} {'done' if inp.succeeded else 'FAILED'}",
    )
    _reschedule_milestones(state, attempt, inp.occurred_at)
    if not inp.succeeded:
        _manufacturing_failed(journal, inp.failure_code)
    elif inp.milestone is Milestone.PRODUCT_RELEASE_QC:
        _release_product(journal, inp)
    return journal.accepted(inp, seq, f"{inp.milestone.value} recorded")


def _reschedule_milestones(state: JourneyState, attempt: BiopsyAttempt, since: datetime) -> None:
    expected = {spec.name: spec.expected_days for spec in state.protocol.manufacturing.milestones}
    cursor = since
    for milestone in attempt.milestones:
        if milestone.occurred_at is None:
            cursor += timedelta(days=expected[milestone.milestone.value])
            milestone.expected_by = cursor


def _manufacturing_failed(journal: Journal, failure_code: str | None) -> None:
    state = journal.state
    attempt = require_biopsy(state)
    attempt.failed, attempt.failure_code = True, failure_code
    state.awaiting_decision = True
    journal.emit(
        EventType.MANUFACTURING_FAILED,
        {"attempt": attempt.attempt, "failure_code": failure_code},
        summary=f"Manufacturing failed: {failure_code}",
    )
    journal.escalate(
        Recipient.SUPERVISOR,
        "manufacturing_failed",
        f"Manufacturing failed ({failure_code}) for biopsy attempt {attempt.attempt}: decide re-biopsy or off-study",
    )


def _release_product(journal: Journal, inp: RecordManufacturingMilestoneInput) -> None:
    """Release QC passed and enough cells for the planned dose: plan the dose and the first infusion."""
    state = journal.state
    qc = inp.release_qc
    assert qc is not None
    criteria = state.protocol.manufacturing.release
    endotoxin_limit = None
    if ENDOTOXIN_DOSE_AWARE_LIMIT in journal.at.amendments:
        volume = qc.dose_volume_ml or criteria.dose_volume_ml
        endotoxin_limit = endotoxin_limit_eu_per_ml(criteria, state.consent.weight_kg, volume)
    failures = release_failures(
        criteria,
        sterility_negative=qc.sterility_negative,
        mycoplasma_negative=qc.mycoplasma_negative,
        endotoxin_eu_per_ml=qc.endotoxin_eu_per_ml,
        viability_percent=qc.viability_percent,
        cd56_cd3neg_purity_percent=qc.cd56_cd3neg_purity_percent,
        endotoxin_limit=endotoxin_limit,
    )
    consent = state.consent
    plan = plan_dose(consent.height_cm, consent.weight_kg, state.protocol.dosing)
    if not product_sufficient(plan, qc.viable_cells_total):
        failures.append(
            f"{qc.viable_cells_total:.3g} viable cells is less than the planned total {plan.total_cells:.3g}"
        )
    require_biopsy(state).release_qc = qc
    if failures:
        _manufacturing_failed(journal, "release_qc: " + "; ".join(failures))
        return
    state.dose_plan = plan
    journal.emit(
        EventType.DOSE_PLANNED,
        plan.model_dump(mode="json"),
        summary=f"Dose plan: {plan.cells_per_infusion:.3g} cells x {plan.infusion_count}",
    )
    state.released_at = inp.occurred_at
    journal.emit(EventType.PRODUCT_RELEASED, {"sample_id": inp.sample_id}, summary="Product released")
    first = max(inp.occurred_at, journal.now) + timedelta(
        days=state.protocol.infusions.days_from_release_to_first_infusion
    )
    journal.enter(Stage.INFUSION)
    infusion.plan(state, first)


def manufacturing_failed(journal: Journal, failure_code: str) -> None:
    """Fail the current attempt from outside the milestones (a discarded specimen): the supervisor decides."""
    _manufacturing_failed(journal, failure_code)
