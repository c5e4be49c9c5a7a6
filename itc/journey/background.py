"""The clocks that run beside every stage: toxicity checks, the DLT rules and window, SAE clocks.

The shell runs them at every wait and wakes for the soonest of their deadlines.
SAE clocks keep running after the journey ends; the others stop with it.
"""

from __future__ import annotations

from datetime import datetime

from itc.journey import dlt, sae_clocks, toxicity_checks
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import Outcome
from itc.models.state import JourneyState


def run_clocks(state: JourneyState, at: Moment) -> Outcome:
    journal = Journal(state, at)
    if not state.stage.is_terminal:
        toxicity_checks.run_clocks(journal)
        dlt.run_clocks(journal)
    sae_clocks.run_clocks(journal)
    return journal.outcome(wake_at=next_deadline(state))


def next_deadline(state: JourneyState) -> datetime | None:
    times: list[datetime] = []
    if not state.stage.is_terminal:
        times += toxicity_checks.deadlines(state)
        times += dlt.deadlines(state)
    times += sae_clocks.deadlines(state)
    return min(times, default=None)
