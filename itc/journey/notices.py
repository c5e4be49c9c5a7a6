"""What others tell the journey without asking: the trial's safety pause, and a client's refused action."""

from __future__ import annotations

from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import Outcome
from itc.models.enums import EventType
from itc.models.identity import SIGNAL_NOT_AUTHENTICATED, SIGNAL_REPLAYED
from itc.models.inputs import RecordRefusedActionInput
from itc.models.state import JourneyState
from itc.models.trial import SetTrialPauseInput

# Who a forged signal is attributed to: nobody the engine knows.
UNAUTHENTICATED_SENDER = "unauthenticated"
REPLAYED_PAUSE = "it repeats a pause decision the journey already had (a replayed or re-delivered signal)"


def _repeated_pause_decision(state: JourneyState, inp: SetTrialPauseInput) -> bool:
    """Whether the journey already had this trial decision. The MAC proves a worker sent it, not
    that it is sent for the first time. The trial numbers its decisions; once a journey has had a
    numbered one, an unnumbered pause can only be a captured old one. A journey that never had a
    numbered one takes unnumbered pauses as before, so its recorded history replays unchanged."""
    if inp.pause_sequence is None:
        return state.trial_pause_sequence > 0
    return inp.pause_sequence <= state.trial_pause_sequence


def trial_pause_changed(state: JourneyState, at: Moment, inp: SetTrialPauseInput) -> Outcome:
    """The cohort's safety boundary paused infusions, or a supervisor resumed them; repeats change nothing."""
    journal = Journal(state, at)
    if _repeated_pause_decision(state, inp):
        journal.emit(
            EventType.ACTION_REFUSED,
            {
                "update": "set_trial_pause",
                "refusal": SIGNAL_REPLAYED,
                "message": REPLAYED_PAUSE,
                "refused_by": "worker",
            },
            actor=UNAUTHENTICATED_SENDER,
            summary=f"Ignored signal set_trial_pause: {REPLAYED_PAUSE}",
        )
        return journal.outcome()
    if inp.pause_sequence is not None:
        state.trial_pause_sequence = inp.pause_sequence
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
