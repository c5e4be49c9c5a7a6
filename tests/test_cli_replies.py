"""The words `itc record` adds after "Accepted": what followed from the action."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from itc.cli.replies import outcome_lines
from itc.models.enums import Stage
from itc.models.inputs import ActionAccepted
from itc.models.state import DueAction, JourneyStatus

AT = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)


def status(**changes: Any) -> JourneyStatus:
    fields: dict[str, Any] = {
        "participant_id": "ITC-007", "site": "SITE-01", "protocol_version": "itc-1.0",
        "stage": Stage.SCREENING, "stage_entered_at": AT, "next_due": [], "infusions_given": 0,
        "infusions": [], "infusions_discontinued": False, "open_adverse_events": [], "worst_ae_grade": 0,
        "dlt": False, "dlt_description": None, "dose_plan": None, "biopsy_attempts": 0,
        "manufacturing_milestones": [], "awaiting_supervisor_decision": False, "open_sae_clocks": [],
        "response": None, "confirmed_response": None, "pfs": None, "end_reason": None,
        "failed_criteria": [], "deviations": [], "trial_paused": False, "trial_pause_reason": None,
        "last_sequence": 5, "run_count": 1,
    }  # fmt: skip
    return JourneyStatus(**{**fields, **changes})


ACCEPTED = ActionAccepted(sequence=5, stage=Stage.SCREENING, message="Eligibility assessment recorded")


def test_a_screen_failure_names_every_failed_criterion_and_the_end() -> None:
    failed = status(
        stage=Stage.SCREEN_FAILED,
        failed_criteria=["Serum creatinine 2.4 mg/dL is above the limit of 2 mg/dL.", "Age 75 is above 70."],
        end_reason="screen failure: creatinine; age",
    )
    assert outcome_lines(ACCEPTED, failed) == [
        "Screen failure: Serum creatinine 2.4 mg/dL is above the limit of 2 mg/dL; Age 75 is above 70 — journey ended"
    ]


def test_a_new_stage_and_the_next_due_action_are_stated() -> None:
    due = DueAction(action="scan", label="Baseline CT with RECIST target lesions", due_at=AT)
    assert outcome_lines(ACCEPTED, status(stage=Stage.BASELINE, next_due=[due])) == [
        "Now in Baseline (was Screening)",
        "Next due: Baseline CT with RECIST target lesions by 2026-01-06 09:00 UTC",
    ]


def test_other_endings_and_a_trial_pause_are_stated() -> None:
    assert outcome_lines(ACCEPTED, status(stage=Stage.WITHDRAWN, end_reason="withdrawn by participant")) == [
        "Journey ended (Withdrawn): withdrawn by participant"
    ]
    assert outcome_lines(ACCEPTED, status(trial_paused=True, trial_pause_reason="DLT boundary 3/3 met")) == [
        "Trial paused: DLT boundary 3/3 met"
    ]


def test_nothing_is_claimed_when_the_journey_could_not_be_asked() -> None:
    assert outcome_lines(ACCEPTED, None) == []
