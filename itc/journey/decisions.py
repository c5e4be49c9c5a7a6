"""Supervisor decisions: off study, re-biopsy, continue manufacturing, a discarded bag's replacement,
or an SAE report made."""

from __future__ import annotations

from datetime import timedelta

from itc.journey import bag_decisions, biopsy, sae_clocks
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import ActionOutcome
from itc.models.enums import DecisionKind, EventType
from itc.models.inputs import RecordSupervisorDecisionInput
from itc.models.state import JourneyState


def record(state: JourneyState, at: Moment, inp: RecordSupervisorDecisionInput) -> ActionOutcome:
    journal = Journal(state, at)
    seq = journal.emit(
        EventType.SUPERVISOR_DECISION_RECORDED,
        {"decision": inp.decision.value, "ae_id": inp.ae_id},
        action=inp,
        summary=f"Supervisor decision: {inp.decision.value}",
    )
    if inp.decision is DecisionKind.OFF_STUDY:
        state.off_study_reason = inp.reason
    elif inp.decision is DecisionKind.RE_BIOPSY:
        state.awaiting_decision = False
        biopsy.start_attempt(
            journal, collect_by=at.now + timedelta(days=state.protocol.biopsy.book_within_days_of_eligibility)
        )
    elif inp.decision is DecisionKind.CONTINUE_MANUFACTURING:
        state.awaiting_decision = False
    elif inp.decision in bag_decisions.BAG_DECISIONS:
        bag_decisions.decide(journal, inp.decision, inp.reason)
    else:
        sae_clocks.acknowledge(journal, inp)
    return journal.accepted(inp, seq, f"Decision {inp.decision.value} recorded")
