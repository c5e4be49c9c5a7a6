"""Consent, screening and baseline, state in and events and commands out."""

from __future__ import annotations

from datetime import date, timedelta

from core.journey_builders import STAFF, T0, WORKFLOW_ID, at, event_types, in_stage, lab, new_state
from itc.journey import baseline, screening
from itc.journey.commands import BookAppointment, OrderLabs, SendNotification
from itc.models.enums import AppointmentKind, Recipient, ScanKind, Stage
from itc.models.inputs import RecordEligibilityAssessmentInput
from itc.models.state import ScanRecord
from itc.rules.lab_catalogue import BASELINE_ASSESSMENTS, SCREENING_LABS, LabCode

GOOD = {LabCode.CREATININE: 1.0, LabCode.SPO2: 98.0, LabCode.ALT: 30.0, LabCode.AST: 28.0}


def assessed(state, when=T0):
    state.eligibility_assessment = RecordEligibilityAssessmentInput(
        actor_id=STAFF,
        advanced_breast_cancer=True,
        progressed_on_chemo_or_radiotherapy=True,
        metastasis_count=1,
        metastasis_site="lung",
        metastasis_measurable=True,
        active_uncontrolled_infection=False,
        other_unrelated_cancer=False,
        assessed_at=when,
    )


def test_consent_is_event_one_and_starts_screening():
    state = new_state()
    outcome = screening.record_consent(state, at(T0))
    assert event_types(outcome) == ["ConsentRecorded", "StageChanged"]
    assert [e.sequence for e in outcome.events] == [1, 2]
    assert outcome.events[0].workflow_id == WORKFLOW_ID and outcome.events[0].run_id == "run-1"
    assert state.stage is Stage.SCREENING and state.stage_entered_sequence == 2 and state.started_at == T0
    assert outcome.commands == []


def test_screening_orders_its_labs_due_by_the_first_reminder():
    state = in_stage(new_state(), Stage.SCREENING)
    outcome = screening.begin(state, at(T0))
    [order] = outcome.commands
    assert isinstance(order, OrderLabs)
    assert order.request.codes == list(SCREENING_LABS)
    assert order.request.due_by == T0 + timedelta(days=14)
    assert order.request.idempotency_key == f"{WORKFLOW_ID}:2:labs-screening"
    assert screening.reminders(state, T0) == [
        (T0 + timedelta(days=14), Recipient.SITE_STAFF),
        (T0 + timedelta(days=28), Recipient.SUPERVISOR),
    ]


def test_a_reminder_names_the_missing_results_and_notifies():
    state = in_stage(new_state(), Stage.SCREENING)
    state.labs[LabCode.CREATININE.value] = lab(LabCode.CREATININE, 1.0, T0)
    outcome = screening.remind(state, at(T0 + timedelta(days=14)), Recipient.SITE_STAFF)
    assert event_types(outcome) == ["EscalationRaised"]
    message = outcome.events[0].payload["message"]
    assert "SpO2: not yet recorded" in message and "creatinine" not in message.lower()
    [notification] = outcome.commands
    assert isinstance(notification, SendNotification)
    assert notification.request.recipient is Recipient.SITE_STAFF and not notification.request.urgent


def test_complete_eligible_screening_moves_to_baseline():
    state = in_stage(new_state(), Stage.SCREENING)
    for code, value in GOOD.items():
        state.labs[code.value] = lab(code, value, T0)
    assessed(state)
    assert screening.is_complete(state, T0.date())
    outcome = screening.conclude(state, at(T0 + timedelta(days=1)))
    assert event_types(outcome) == ["EligibilityConfirmed", "StageChanged"]
    assert state.stage is Stage.BASELINE and state.eligible_at == T0 + timedelta(days=1)


def test_screen_failure_names_every_failed_criterion_and_ends():
    state = in_stage(new_state(date_of_birth=date(1950, 1, 1)), Stage.SCREENING)
    for code, value in {**GOOD, LabCode.CREATININE: 2.01, LabCode.SPO2: 96.0}.items():
        state.labs[code.value] = lab(code, value, T0)
    assessed(state)
    outcome = screening.conclude(state, at(T0))
    assert event_types(outcome) == ["ScreenFailed", "StageChanged", "JourneyEnded"]
    assert state.stage is Stage.SCREEN_FAILED and len(state.failed_criteria) == 3


def test_stale_screening_labs_do_not_count():
    state = in_stage(new_state(), Stage.SCREENING)
    for code, value in GOOD.items():
        state.labs[code.value] = lab(code, value, T0)
    assessed(state)
    assert screening.is_complete(state, T0.date())
    assert not screening.is_complete(state, (T0 + timedelta(days=29)).date())


def test_baseline_orders_and_books_then_wakes_at_the_reminder():
    state = in_stage(new_state(), Stage.BASELINE)
    outcome = baseline.begin(state, at(T0))
    order, booking = outcome.commands
    assert isinstance(order, OrderLabs) and order.request.codes == list(BASELINE_ASSESSMENTS)
    assert isinstance(booking, BookAppointment) and booking.request.kind is AppointmentKind.CT_SCAN
    assert booking.request.latest == (T0 + timedelta(days=14)).date()
    assert outcome.wake_at == T0 + timedelta(days=14)
    overdue = baseline.overdue(state, at(outcome.wake_at))
    assert event_types(overdue) == ["EscalationRaised"]


def test_completed_baseline_starts_the_biopsy_due_within_days_of_eligibility():
    state = in_stage(new_state(), Stage.BASELINE)
    state.eligible_at = T0
    assert not baseline.is_complete(state)
    state.scans.append(ScanRecord(sequence=3, kind=ScanKind.BASELINE, scanned_at=T0, target_lesions=[], sum_mm=20.0))
    for code in BASELINE_ASSESSMENTS:
        state.labs[code.value] = lab(
            code,
            1.0 if code in (LabCode.CA15_3, LabCode.CEA) else None,
            T0,
            interpretation=None if code in (LabCode.CA15_3, LabCode.CEA) else "normal",
        )
    assert baseline.is_complete(state)
    outcome = baseline.complete(state, at(T0 + timedelta(days=3)))
    assert event_types(outcome) == ["BaselineCompleted", "StageChanged"]
    assert state.stage is Stage.BIOPSY
    assert state.biopsies[0].collect_by == T0 + timedelta(days=14)
