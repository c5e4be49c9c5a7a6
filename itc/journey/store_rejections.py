"""An event the event store refused as invalid data.

Retrying cannot store it, and the journey must not stop for it, nor lose the events after it.
So its sequence number is kept by an `EventNotStored` event holding an ASCII-escaped copy of the
refused event (nothing is lost, and the record stays numbered without a gap), the supervisor is
told at once, and the journey's status lists it until someone corrects the entry.
"""

from __future__ import annotations

from itc.journey.commands import SendNotification
from itc.journey.journal import Journal
from itc.journey.moment import Moment
from itc.journey.outcome import Outcome
from itc.models.activity_inputs import SendNotificationInput
from itc.models.enums import EventType, Recipient
from itc.models.events import SYSTEM_ACTOR, JourneyEvent, escaped_copy
from itc.models.state import JourneyState, UnstoredEvent

NOTIFICATION_KIND = "event_not_stored"
# activities.names.EVENT_REJECTED_BY_STORE; the core imports nothing from the activity layer.
EVENT_REJECTED_BY_STORE = "EventRejectedByStore"


def event_not_stored(
    state: JourneyState, at: Moment, rejected: JourneyEvent, sqlstate: str
) -> tuple[JourneyEvent, Outcome]:
    """The stand-in for `rejected` (same sequence), and what the journey does about it."""
    stand_in = JourneyEvent(
        participant_id=state.participant_id,
        sequence=rejected.sequence,
        type=EventType.EVENT_NOT_STORED,
        payload={"refused_type": rejected.type.value, "sqlstate": sqlstate, "escaped_copy": escaped_copy(rejected)},
        occurred_at=at.now,
        recorded_at=at.now,
        actor=SYSTEM_ACTOR,
        protocol_version=state.protocol.version,
        workflow_id=at.workflow_id,
        run_id=at.run_id,
    )
    state.unstored_events.append(
        UnstoredEvent(sequence=rejected.sequence, type=rejected.type.value, sqlstate=sqlstate, refused_at=at.now)
    )
    summary = (
        f"Not stored: {rejected.type.value} was refused by the event store as invalid data ({sqlstate}); "
        "the record keeps an escaped copy"
    )
    state.timeline = [
        entry.model_copy(update={"type": EventType.EVENT_NOT_STORED.value, "summary": summary})
        if entry.sequence == rejected.sequence
        else entry
        for entry in state.timeline
    ]
    journal = Journal(state, at)
    journal.commands.append(
        SendNotification(
            SendNotificationInput(
                idempotency_key=journal.key(rejected.sequence, NOTIFICATION_KIND),
                participant_id=state.participant_id,
                recipient=Recipient.SUPERVISOR,
                kind=NOTIFICATION_KIND,
                subject=f"Event {rejected.sequence} of {state.participant_id} was not stored",
                # IDs and the error class only: the refused content may hold PHI.
                body=(
                    f"The event store refused event {rejected.sequence} ({rejected.type.value}) as invalid data "
                    f"(SQLSTATE {sqlstate}). The record holds an escaped copy under that sequence and the journey "
                    "goes on; review the entry and record a correction if it was wrong."
                ),
                urgent=True,
            )
        )
    )
    return stand_in, journal.outcome()


def refused_event(cause: object, batch: list[JourneyEvent]) -> tuple[JourneyEvent, str] | None:
    """The event of `batch` an append failure says the store refused, with its SQLSTATE; None for
    any other failure. `cause` is the activity's ApplicationError (typed loosely: no Temporal here)."""
    if getattr(cause, "type", None) != EVENT_REJECTED_BY_STORE:
        return None
    details = getattr(cause, "details", None) or ()
    facts = details[0] if details and isinstance(details[0], dict) else {}
    sequence, sqlstate = facts.get("sequence"), facts.get("sqlstate")
    if not isinstance(sequence, int) or not isinstance(sqlstate, str):
        return None
    rejected = next((event for event in batch if event.sequence == sequence), None)
    # A stand-in refused in turn would loop: give up and let the journey stop visibly instead.
    if rejected is None or rejected.type is EventType.EVENT_NOT_STORED:
        return None
    return rejected, sqlstate
