"""Realistic journey event sequences for event-store tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from itc.models.enums import EventType as T
from itc.models.events import SYSTEM_ACTOR, JourneyEvent

PROTOCOL = "1.0.0"
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

# Consent PHI that must never reach participant_status.
PHI_PAYLOAD = {
    "date_of_birth": "1971-05-02",
    "height_cm": 162.0,
    "weight_kg": 61.5,
    "sex": "female",
}


def event(
    participant_id: str,
    sequence: int,
    type_: T,
    payload: dict[str, Any] | None = None,
    *,
    corrects: int | None = None,
    reason: str | None = None,
    actor: str = SYSTEM_ACTOR,
    run_id: str = "run-1",
) -> JourneyEvent:
    at = START + timedelta(days=sequence)
    return JourneyEvent(
        participant_id=participant_id,
        sequence=sequence,
        type=type_,
        payload=payload or {},
        occurred_at=at,
        recorded_at=at + timedelta(seconds=5),
        actor=actor,
        reason=reason,
        corrects_sequence=corrects,
        request_id=None,
        protocol_version=PROTOCOL,
        workflow_id=f"journey-{participant_id}",
        run_id=run_id,
    )


def at_day(sequence: int) -> datetime:
    return START + timedelta(days=sequence)


def completed_journey(pid: str = "ITC-007", site: str = "tehran-1") -> list[JourneyEvent]:
    """Consent to PFS, with a failed manufacturing run and a corrected AE grade."""
    steps: list[tuple[T, dict[str, Any], dict[str, Any]]] = [
        (
            T.CONSENT_RECORDED,
            {"site": site, "consent_date": "2026-03-01", "consent_form_version": "v2", **PHI_PAYLOAD},
            {},
        ),
        (T.STAGE_CHANGED, {"from": None, "to": "screening"}, {}),
        (
            T.LABS_ORDERED,
            {
                "codes": ["creatinine"],
                "next_due_at": "2026-03-20T09:00:00+00:00",
                "next_due_action": "screening_results",
            },
            {},
        ),
        (T.ELIGIBILITY_CONFIRMED, {}, {"actor": "dr.karimi"}),
        (T.STAGE_CHANGED, {"from": "screening", "to": "baseline"}, {}),
        (T.BASELINE_COMPLETED, {}, {}),
        (T.STAGE_CHANGED, {"from": "baseline", "to": "biopsy"}, {}),
        (
            T.APPOINTMENT_BOOKED,
            {
                "kind": "biopsy",
                "day": "2026-03-12",
                "next_due_at": "2026-03-12T08:00:00+00:00",
                "next_due_action": "biopsy",
            },
            {},
        ),
        (T.BIOPSY_COLLECTED, {"attempt": 1, "sample_id": "S-1"}, {"actor": "nurse.rahimi"}),
        (T.STAGE_CHANGED, {"from": "biopsy", "to": "manufacturing"}, {}),
        (T.MANUFACTURING_FAILED, {"failure_code": "ipsc_qc"}, {}),
        (
            T.SUPERVISOR_DECISION_RECORDED,
            {"decision": "re_biopsy"},
            {"actor": "dr.supervisor", "reason": "QC fail, retry"},
        ),
        (T.STAGE_CHANGED, {"from": "manufacturing", "to": "biopsy"}, {}),
        (T.BIOPSY_COLLECTED, {"attempt": 2, "sample_id": "S-2"}, {"actor": "nurse.rahimi"}),
        (T.STAGE_CHANGED, {"from": "biopsy", "to": "manufacturing"}, {}),
        (T.PRODUCT_RELEASED, {}, {}),
        (T.STAGE_CHANGED, {"from": "manufacturing", "to": "infusion"}, {}),
        (
            T.INFUSION_ADMINISTERED,
            {
                "infusion_number": 1,
                "next_due_at": "2026-04-01T09:00:00+00:00",
                "next_due_action": "infusion_2",
            },
            {},
        ),
        (T.ADVERSE_EVENT_RECORDED, {"ae_id": "AE-1", "grade": 3}, {"actor": "dr.karimi"}),
        # Sequence 20 corrects a mis-keyed grade at 19.
        (
            T.ADVERSE_EVENT_RECORDED,
            {"ae_id": "AE-1", "grade": 2},
            {"actor": "dr.karimi", "corrects": 19, "reason": "grade mis-keyed"},
        ),
        (T.INFUSION_ADMINISTERED, {"infusion_number": 2}, {}),
        (T.ADVERSE_EVENT_RECORDED, {"ae_id": "AE-2", "grade": 1}, {}),
        (T.INFUSION_ADMINISTERED, {"infusion_number": 3}, {}),
        (T.STAGE_CHANGED, {"from": "infusion", "to": "response_assessment"}, {}),
        (T.RESPONSE_ASSESSED, {"response": "PR"}, {}),
        (T.RESPONSE_CONFIRMED, {"response": "PR"}, {}),
        (T.STAGE_CHANGED, {"from": "response_assessment", "to": "follow_up"}, {}),
        (
            T.FOLLOW_UP_ASSESSMENT_DUE,
            {"cycle": 1, "next_due_at": "2026-08-01T09:00:00+00:00", "next_due_action": "follow_up_1"},
            {},
        ),
        (T.PROGRESSION_DOCUMENTED, {}, {}),
        (T.PFS_DETERMINED, {"days": 245, "censored": False}, {}),
        (T.STAGE_CHANGED, {"from": "follow_up", "to": "completed"}, {}),
        (T.JOURNEY_ENDED, {"reason": "progression"}, {}),
    ]
    return [event(pid, index, type_, payload, **extra) for index, (type_, payload, extra) in enumerate(steps, start=1)]


def dlt_journey(pid: str = "ITC-008", site: str = "shiraz-2") -> list[JourneyEvent]:
    """Stops at a DLT during infusion: still in the infusion stage, next action due."""
    steps: list[tuple[T, dict[str, Any]]] = [
        (T.CONSENT_RECORDED, {"site": site, "consent_date": "2026-03-02", **PHI_PAYLOAD}),
        (T.STAGE_CHANGED, {"from": None, "to": "screening"}),
        (T.STAGE_CHANGED, {"from": "screening", "to": "infusion"}),
        (T.INFUSION_ADMINISTERED, {"infusion_number": 1}),
        (T.ADVERSE_EVENT_RECORDED, {"ae_id": "AE-9", "grade": 4}),
        (T.DLT_DETECTED, {"ae_id": "AE-9"}),
        (
            T.INFUSIONS_DISCONTINUED,
            {"next_due_at": "2026-04-10T09:00:00+00:00", "next_due_action": "toxicity_check"},
        ),
    ]
    return [event(pid, index, type_, payload) for index, (type_, payload) in enumerate(steps, start=1)]


EXPECTED_COMPLETED = {
    "participant_id": "ITC-007",
    "site": "tehran-1",
    "stage": "completed",
    "stage_entered_at": at_day(31),
    "protocol_version": PROTOCOL,
    "consented_at": at_day(1),
    "consent_date": date(2026, 3, 1),
    "infusions_given": 3,
    "worst_ae_grade": 2,
    "ae_grades": {"20": 2, "22": 1},
    "dlt": False,
    "next_due_at": None,
    "next_due_action": None,
    "biopsy_attempts": 2,
    "response": "PR",
    "pfs_days": 245,
    "end_reason": "progression",
    "last_sequence": 32,
}

EXPECTED_DLT = {
    "participant_id": "ITC-008",
    "site": "shiraz-2",
    "stage": "infusion",
    "stage_entered_at": at_day(3),
    "protocol_version": PROTOCOL,
    "consented_at": at_day(1),
    "consent_date": date(2026, 3, 2),
    "infusions_given": 1,
    "worst_ae_grade": 4,
    "ae_grades": {"5": 4},
    "dlt": True,
    "next_due_at": datetime(2026, 4, 10, 9, 0, tzinfo=UTC),
    "next_due_action": "toxicity_check",
    "biopsy_attempts": 0,
    "response": None,
    "pfs_days": None,
    "end_reason": None,
    "last_sequence": 7,
}


def without_updated_at(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "updated_at"}
