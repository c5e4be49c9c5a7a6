"""A new anticancer therapy: the journey goes on, and progression-free survival is censored before it."""

from __future__ import annotations

from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import ActionOutcome
from itc.models.enums import EventType
from itc.models.inputs import RecordNewAnticancerTherapyInput
from itc.models.state import JourneyState


def record(state: JourneyState, at: Moment, inp: RecordNewAnticancerTherapyInput) -> ActionOutcome:
    journal = Journal(state, at)
    state.new_therapy_started_at = inp.started_at
    seq = journal.emit(
        EventType.NEW_ANTICANCER_THERAPY_RECORDED,
        {"therapy": inp.therapy, "started_at": inp.started_at.isoformat()},
        action=inp,
        occurred_at=inp.started_at,
        summary=f"New anticancer therapy {inp.therapy} started {inp.started_at.date()}",
    )
    return journal.accepted(inp, seq, "New anticancer therapy recorded; PFS will be censored before it")
