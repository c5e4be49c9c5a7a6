"""How a journey ends: withdrawal, death, an off-study decision or progression stop it wherever it is.

Appointments still booked are cancelled, progression-free survival is determined for
anyone infused, and the journey records its end.
"""

from __future__ import annotations

from datetime import datetime

from itc.journey.amendments import PFS_FDA_2018_CENSORING
from itc.journey.commands import CancelAppointments
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import ActionOutcome, Outcome
from itc.models.activity_inputs import CancelAppointmentsInput, CancelledAppointments
from itc.models.enums import EventType, Recipient, ResponseCategory, ScanKind, Stage
from itc.models.inputs import RecordDeathInput, RecordWithdrawalInput
from itc.models.state import JourneyState
from itc.rules.pfs import PfsResult, TumourAssessment, compute_pfs, progression_free_survival


def interruption(state: JourneyState) -> str | None:
    """What stops the journey wherever it is, most final first; None while it goes on."""
    if state.stage.is_terminal:
        return None
    if state.died_at is not None:
        return "deceased"
    if state.withdrawn_at is not None:
        return "withdrawn"
    if state.off_study_reason is not None:
        return "off_study"
    if state.progression_at is not None:
        return "progression"
    return None


def cancellation(state: JourneyState, at: Moment, reason: str) -> CancelAppointments:
    request = CancelAppointmentsInput(
        idempotency_key=f"{at.workflow_id}:{state.last_sequence}:cancel",
        participant_id=state.participant_id,
        reason=reason,
    )
    return CancelAppointments(request)


def stop(state: JourneyState, at: Moment, reason: str, cancelled: CancelledAppointments) -> Outcome:
    """Appointments are cancelled: record it, and end the journey for `reason`."""
    journal = Journal(state, at)
    journal.emit(
        EventType.APPOINTMENTS_CANCELLED,
        {"cancelled": cancelled.cancelled, "reason": reason},
        summary=f"{cancelled.cancelled} appointments cancelled",
    )
    if reason == "withdrawn":
        end_with_pfs(journal, Stage.WITHDRAWN, "consent withdrawn")
    elif reason == "deceased":
        end_with_pfs(journal, Stage.DECEASED, "death")
    elif reason == "progression":
        end_with_pfs(journal, Stage.COMPLETED, "progression")
    else:
        end_with_pfs(journal, Stage.OFF_STUDY, f"off study: {state.off_study_reason}")
    return journal.outcome()


def end_with_pfs(journal: Journal, stage: Stage, reason: str) -> None:
    state = journal.state
    if state.first_infusion_at is not None and state.pfs is None:
        _determine_pfs(journal)
    journal.end(stage, reason)


def _determine_pfs(journal: Journal) -> None:
    state = journal.state
    assert state.first_infusion_at is not None
    assessments = [
        TumourAssessment(
            assessed_on=s.scanned_at.date(),
            progression=s.response is ResponseCategory.PD,
            adequate=s.response is not ResponseCategory.NE,
        )
        for s in state.scans
        if s.kind is not ScanKind.BASELINE
    ]
    if PFS_FDA_2018_CENSORING in journal.at.amendments:
        result = _pfs_fda_2018(state, assessments)
    else:
        missed = 0
        for cycle in reversed(state.follow_up):
            if cycle.missed:
                missed += 1
            elif cycle.assessed_at is not None:
                break
        result = compute_pfs(
            start_on=state.first_infusion_at.date(),
            assessments=assessments,
            death_on=state.died_at.date() if state.died_at else None,
            missed_assessments_before_death=missed,
            missed_assessments_censoring_death=state.protocol.follow_up.missed_assessments_censoring_death,
        )
    state.pfs = result
    journal.emit(
        EventType.PFS_DETERMINED,
        result.model_dump(mode="json"),
        summary=f"PFS {result.days} days ({f'event: {result.event_type}' if result.event else 'censored'})",
    )


def _pfs_fda_2018(state: JourneyState, assessments: list[TumourAssessment]) -> PfsResult:
    assert state.first_infusion_at is not None
    missed_on = [cycle.due_at.date() for cycle in state.follow_up if cycle.missed]
    if state.response_scan_missed and state.response_due_at is not None:
        missed_on.append(state.response_due_at.date())
    return progression_free_survival(
        start_on=state.first_infusion_at.date(),
        assessments=assessments,
        missed_on=sorted(missed_on),
        death_on=state.died_at.date() if state.died_at else None,
        new_therapy_on=state.new_therapy_started_at.date() if state.new_therapy_started_at else None,
        missed_assessments_censoring=state.protocol.follow_up.missed_assessments_censoring_death,
    )


def document_progression(journal: Journal, at: datetime) -> None:
    journal.state.progression_at = at
    journal.emit(
        EventType.PROGRESSION_DOCUMENTED,
        {"at": at.isoformat()},
        occurred_at=at,
        summary="Progression documented (RECIST PD)",
    )


def record_withdrawal(state: JourneyState, at: Moment, inp: RecordWithdrawalInput) -> ActionOutcome:
    journal = Journal(state, at)
    state.withdrawn_at = inp.withdrawn_at
    seq = journal.emit(
        EventType.WITHDRAWAL_RECORDED,
        {"stage": state.stage.value},
        action=inp,
        occurred_at=inp.withdrawn_at,
        summary="Consent withdrawn",
    )
    return journal.accepted(inp, seq, "Withdrawal recorded; future contact stops and booked appointments are cancelled")


def record_death(state: JourneyState, at: Moment, inp: RecordDeathInput) -> ActionOutcome:
    journal = Journal(state, at)
    state.died_at = inp.died_at
    seq = journal.emit(
        EventType.DEATH_RECORDED,
        {"attribution": inp.attribution.value, "stage": state.stage.value},
        action=inp,
        occurred_at=inp.died_at,
        summary="Death recorded",
    )
    journal.notify(
        Recipient.SAFETY_MONITOR,
        "death",
        "Participant death",
        f"Death recorded for {state.participant_id} (attribution {inp.attribution.value}).",
        cause=seq,
        urgent=True,
    )
    return journal.accepted(inp, seq, "Death recorded")
