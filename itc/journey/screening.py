"""Consent and screening: order the screening labs, remind and escalate, then eligible or screen failure."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from itc.journey.facts import stage_entered_at
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import ActionOutcome, Outcome
from itc.models.enums import EventType, Recipient, Stage
from itc.models.inputs import RecordEligibilityAssessmentInput
from itc.models.state import JourneyState
from itc.rules.eligibility import EligibilityResult, LabValue, ScreeningFacts, evaluate_eligibility
from itc.rules.lab_catalogue import SCREENING_LABS, LabCode


def record_consent(state: JourneyState, at: Moment) -> Outcome:
    """Event 1 of every journey, and the start of screening."""
    journal = Journal(state, at)
    consent = state.consent
    state.started_at = at.now
    payload = consent.model_dump(mode="json")
    payload.update(age_at_consent=consent.age_at_consent(), protocol_version=state.protocol.version)
    journal.emit(
        EventType.CONSENT_RECORDED,
        payload,
        actor=consent.actor_id,
        actor_role=consent.role.value if consent.role else None,
        occurred_at=datetime.combine(consent.consent_date, datetime.min.time(), at.now.tzinfo),
        summary=f"Consent form {consent.consent_form_version} signed at {consent.site}",
    )
    journal.enter(Stage.SCREENING)
    return journal.outcome()


def begin(state: JourneyState, at: Moment) -> Outcome:
    """Order the screening labs, due by the first reminder."""
    journal = Journal(state, at)
    due_by = stage_entered_at(state, at.now) + timedelta(days=state.protocol.screening.reminder_after_days)
    journal.order_labs(SCREENING_LABS, "screening", due_by)
    return journal.outcome()


def reminders(state: JourneyState, now: datetime) -> list[tuple[datetime, Recipient]]:
    """When to chase missing screening results, and whom: site staff first, then the supervisor."""
    cfg = state.protocol.screening
    entered = stage_entered_at(state, now)
    return [
        (entered + timedelta(days=cfg.reminder_after_days), Recipient.SITE_STAFF),
        (entered + timedelta(days=cfg.escalate_after_days), Recipient.SUPERVISOR),
    ]


def remind(state: JourneyState, at: Moment, recipient: Recipient) -> Outcome:
    journal = Journal(state, at)
    journal.escalate(
        recipient,
        "screening_incomplete",
        "Screening results are still missing: " + ", ".join(eligibility(state, at.now.date()).missing),
    )
    return journal.outcome()


def record_assessment(state: JourneyState, at: Moment, inp: RecordEligibilityAssessmentInput) -> ActionOutcome:
    journal = Journal(state, at)
    state.eligibility_assessment = inp
    seq = journal.emit(
        EventType.ELIGIBILITY_ASSESSMENT_RECORDED,
        inp.model_dump(mode="json", exclude={"actor_id", "request_id", "reason", "corrects_sequence"}),
        action=inp,
        occurred_at=inp.assessed_at,
        summary="Eligibility assessment recorded",
    )
    return journal.accepted(inp, seq, "Eligibility assessment recorded")


def is_complete(state: JourneyState, today: date) -> bool:
    return eligibility(state, today).complete


def conclude(state: JourneyState, at: Moment) -> Outcome:
    """Eligible: on to baseline. Otherwise a screen failure naming every failed criterion."""
    journal = Journal(state, at)
    result = eligibility(state, at.now.date())
    if result.eligible:
        state.eligible_at = at.now
        journal.emit(EventType.ELIGIBILITY_CONFIRMED, {"criteria_met": True}, summary="Eligible")
        journal.enter(Stage.BASELINE)
        return journal.outcome()
    state.failed_criteria = [f.message for f in result.failed]
    journal.emit(
        EventType.SCREEN_FAILED,
        {"failed": [f.model_dump() for f in result.failed]},
        summary="Screen failure: " + "; ".join(f.code for f in result.failed),
    )
    journal.end(Stage.SCREEN_FAILED, "screen failure: " + "; ".join(f.code for f in result.failed))
    return journal.outcome()


def eligibility(state: JourneyState, today: date) -> EligibilityResult:
    consent, a = state.consent, state.eligibility_assessment

    def lab(code: LabCode) -> LabValue | None:
        result = state.labs.get(code.value)
        if result is None:
            return None
        return LabValue(
            value=result.value,
            collected_on=result.collected_at.date(),
            upper_limit_normal=result.upper_limit_normal,
        )

    facts = ScreeningFacts(
        sex=consent.sex.value,
        age_years=consent.age_at_consent(),
        advanced_breast_cancer=a.advanced_breast_cancer if a else None,
        progressed_on_chemo_or_radiotherapy=a.progressed_on_chemo_or_radiotherapy if a else None,
        metastasis_count=a.metastasis_count if a else None,
        metastasis_site=a.metastasis_site.value if a and a.metastasis_site else None,
        metastasis_measurable=a.metastasis_measurable if a else None,
        active_uncontrolled_infection=a.active_uncontrolled_infection if a else None,
        other_unrelated_cancer=a.other_unrelated_cancer if a else None,
        assessed_on=a.assessed_at.date() if a else None,
        creatinine_mg_dl=lab(LabCode.CREATININE),
        spo2_percent=lab(LabCode.SPO2),
        alt_u_l=lab(LabCode.ALT),
        ast_u_l=lab(LabCode.AST),
    )
    ranges = state.protocol.reference_ranges
    return evaluate_eligibility(facts, today, state.protocol.eligibility, ranges.alt_uln_u_l, ranges.ast_uln_u_l)
