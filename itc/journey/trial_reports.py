"""The journey's two reports to its trial workflow, each built in one place."""

from __future__ import annotations

from itc.models.state import JourneyState, SaeClock
from itc.models.trial import (
    RecordDltOutcomeInput,
    RecordSaeClockInput,
    ReportDltOutcomeInput,
    ReportSaeClockInput,
    trial_workflow_id,
)


def _next_report_sequence(state: JourneyState) -> int:
    """Reports leave the journey one at a time, in this order, so the trial can refuse one that
    does not come after the last it accepted (a captured report sent again)."""
    state.trial_reports_sent += 1
    return state.trial_reports_sent


def dlt_outcome_report(state: JourneyState, dlt_found: bool, description: str | None) -> ReportDltOutcomeInput:
    outcome = RecordDltOutcomeInput(
        participant_id=state.participant_id,
        dlt=dlt_found,
        description=description,
        report_sequence=_next_report_sequence(state),
    )
    return ReportDltOutcomeInput(
        trial_workflow_id=trial_workflow_id(state.protocol.trial_id),
        protocol_version=state.protocol.version,
        outcome=outcome,
    )


def sae_clock_report(state: JourneyState, clock: SaeClock, status: str) -> ReportSaeClockInput:
    message = RecordSaeClockInput(
        participant_id=state.participant_id,
        ae_id=clock.ae_id,
        clock=clock.clock.value,
        due_at=clock.due_at,
        status=status,
        report_sequence=_next_report_sequence(state),
    )
    return ReportSaeClockInput(
        trial_workflow_id=trial_workflow_id(state.protocol.trial_id),
        protocol_version=state.protocol.version,
        clock=message,
    )
