"""What others tell the journey without asking: the trial's safety pause, and a client's refused action."""

from __future__ import annotations

from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import Outcome
from itc.models.enums import EventType
from itc.models.identity import SIGNAL_NOT_AUTHENTICATED
from itc.models.inputs import RecordRefusedActionInput
from itc.models.state import JourneyState
from itc.models.trial import SetTrialPauseInput

# Who a forged signal is attributed to: nobody the engine knows.
UNAUTHENTICATED_SENDER = "unauthenticated"


def trial_pause_changed(state: JourneyState, at: Moment, inp: SetTrialPauseInput) -> Outcome:
    """The cohort's safety boundary paused infusions, or a supervisor resumed them; repeats change nothing."""
    journal = Journal(state, at)
    if state.stage.is_terminal or state.trial_paused == inp.paused:
        return journal.outcome()
    state.trial_paused, state.trial_pause_reason = inp.paused, inp.reason if inp.paused else None
    journal.emit(
        EventType.TRIAL_PAUSE_CHANGED,
        {"paused": inp.paused, "reason": inp.reason},
        actor="trial",
        summary=("Trial paused: " if inp.paused else "Trial resumed: ") + inp.reason,
    )
    return journal.outcome()


def signal_refused(state: JourneyState, at: Moment, signal: str, problem: str) -> Outcome:
    """A signal only a worker may send arrived without a valid MAC: ignored, and audited."""
    journal = Journal(state, at)
    journal.emit(
        EventType.ACTION_REFUSED,
        {"update": signal, "refusal": SIGNAL_NOT_AUTHENTICATED, "message": problem, "refused_by": "worker"},
        actor=UNAUTHENTICATED_SENDER,
        summary=f"Ignored signal {signal}: {problem}",
    )
    return journal.outcome()


def action_refused(state: JourneyState, at: Moment, inp: RecordRefusedActionInput) -> Outcome:
    """A refusal goes into the audit trail like any event."""
    journal = Journal(state, at)
    payload = inp.model_dump(mode="json", exclude={"actor_id", "role"})
    journal.emit(
        EventType.ACTION_REFUSED,
        payload,
        actor=inp.actor_id,
        actor_role=inp.role.value if inp.role else None,
        summary=f"Refused {inp.update}: {inp.message}",
    )
    return journal.outcome()
