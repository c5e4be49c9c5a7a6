"""Recording into the journey: numbered events, timeline entries, and the commands they cause.

A `Journal` is opened by each core call on the state and a `Moment`; what it
collects is handed back to the shell as an `Outcome`. Nothing here waits or sends.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from itc.journey.commands import (
    BookAppointment,
    Command,
    OrderLabs,
    ReportDltOutcome,
    ReportSaeClock,
    SendNotification,
)
from itc.journey.moment import Moment
from itc.journey.outcome import ActionOutcome, Outcome
from itc.journey.trial_reports import dlt_outcome_report, sae_clock_report
from itc.models.activity_inputs import BookAppointmentInput, OrderLabsInput, SendNotificationInput
from itc.models.enums import AppointmentKind, EventType, Recipient, Stage
from itc.models.events import SYSTEM_ACTOR, JourneyEvent
from itc.models.inputs import ActionAccepted, StaffAction
from itc.models.state import JourneyState, SaeClock, TimelineEntry
from itc.rules.lab_catalogue import LabCode


class Journal:
    def __init__(self, state: JourneyState, at: Moment) -> None:
        self.state = state
        self.at = at
        self.events: list[JourneyEvent] = []
        self.commands: list[Command] = []

    @property
    def now(self) -> datetime:
        return self.at.now

    def outcome(self, wake_at: datetime | None = None) -> Outcome:
        return Outcome(events=self.events, commands=self.commands, wake_at=wake_at)

    def accepted(self, action: StaffAction, sequence: int, message: str) -> ActionOutcome:
        """The action's answer; its request ID is remembered so a retry is not applied twice."""
        if action.request_id is not None:
            self.state.applied_requests[action.request_id] = sequence
        answer = ActionAccepted(sequence=sequence, stage=self.state.stage, message=message)
        return ActionOutcome(events=self.events, commands=self.commands, accepted=answer)

    def emit(
        self,
        type: EventType,
        payload: dict[str, Any] | None = None,
        *,
        action: StaffAction | None = None,
        actor: str | None = None,
        actor_role: str | None = None,
        occurred_at: datetime | None = None,
        summary: str = "",
    ) -> int:
        state = self.state
        state.last_sequence += 1
        event = JourneyEvent(
            participant_id=state.participant_id,
            sequence=state.last_sequence,
            type=type,
            payload=payload or {},
            occurred_at=occurred_at or self.now,
            recorded_at=self.now,
            actor=action.actor_id if action else (actor or SYSTEM_ACTOR),
            actor_role=action.role.value if action and action.role else actor_role,
            reason=action.reason if action else None,
            corrects_sequence=action.corrects_sequence if action else None,
            request_id=action.request_id if action else None,
            protocol_version=state.protocol.version,
            workflow_id=self.at.workflow_id,
            run_id=self.at.run_id,
        )
        self.events.append(event)
        state.timeline.append(
            TimelineEntry(
                sequence=event.sequence,
                type=type.value,
                occurred_at=event.occurred_at,
                actor=event.actor,
                summary=summary or type.value,
                corrects_sequence=event.corrects_sequence,
            )
        )
        return event.sequence

    def key(self, sequence: int, purpose: str) -> str:
        """Idempotency key of a request: the same on every retry and replay of this run's event."""
        return f"{self.at.workflow_id}:{sequence}:{purpose}"

    # ------------------------------------------------------------------ stages

    def enter(self, stage: Stage) -> int:
        state = self.state
        previous = state.stage if state.stage_entered_sequence else None
        state.stage, state.stage_entered_at = stage, self.now
        state.stages_entered_at.setdefault(stage.value, self.now)
        state.stage_entered_sequence = self.emit(
            EventType.STAGE_CHANGED,
            {"from": previous.value if previous else None, "to": stage.value},
            summary=f"Stage: {stage.value}",
        )
        return state.stage_entered_sequence

    def end(self, stage: Stage, reason: str) -> None:
        self.state.end_reason = reason
        self.enter(stage)
        self.emit(EventType.JOURNEY_ENDED, {"reason": reason, "stage": stage.value}, summary=f"Journey ended: {reason}")

    def deviation(self, description: str) -> None:
        self.state.deviations.append(description)
        self.emit(
            EventType.PROTOCOL_DEVIATION_RECORDED, {"description": description}, summary=f"Deviation: {description}"
        )

    # ------------------------------------------------------------------ messages

    def escalate(self, recipient: Recipient, kind: str, message: str) -> None:
        cause = self.emit(
            EventType.ESCALATION_RAISED,
            {"recipient": recipient.value, "kind": kind, "message": message},
            summary=f"Escalated to {recipient.value}: {message}",
        )
        self.notify(
            recipient,
            kind,
            f"{self.state.participant_id}: {kind.replace('_', ' ')}",
            message,
            cause=cause,
            urgent=recipient is not Recipient.SITE_STAFF,
        )

    def notify(
        self, recipient: Recipient, kind: str, subject: str, body: str, *, cause: int, urgent: bool = False
    ) -> None:
        request = SendNotificationInput(
            idempotency_key=self.key(cause, recipient.value),
            participant_id=self.state.participant_id,
            recipient=recipient,
            kind=kind,
            subject=subject,
            body=body,
            urgent=urgent,
        )
        self.commands.append(SendNotification(request))

    def report_dlt_outcome(self, dlt_found: bool, description: str | None) -> None:
        """The trial counts this participant as DLT-evaluable from here on."""
        self.commands.append(ReportDltOutcome(dlt_outcome_report(self.state, dlt_found, description)))

    def report_sae_clock(self, clock: SaeClock, status: str) -> None:
        self.commands.append(ReportSaeClock(sae_clock_report(self.state, clock, status)))

    # ------------------------------------------------------------------ service requests

    def order_labs(
        self, codes: tuple[LabCode, ...], purpose: str, due_by: datetime, *, cause: int | None = None
    ) -> None:
        cause = cause if cause is not None else self.state.stage_entered_sequence
        request = OrderLabsInput(
            idempotency_key=self.key(cause, f"labs-{purpose}"),
            participant_id=self.state.participant_id,
            codes=list(codes),
            purpose=purpose,
            due_by=due_by,
        )
        self.commands.append(OrderLabs(request))

    def book(
        self,
        kind: AppointmentKind,
        earliest: date,
        latest: date,
        *,
        preferred: date | None = None,
        cause: int | None = None,
    ) -> None:
        self.commands.append(booking(self.state, self.at, kind, earliest, latest, preferred=preferred, cause=cause))


def booking(
    state: JourneyState,
    at: Moment,
    kind: AppointmentKind,
    earliest: date,
    latest: date,
    *,
    preferred: date | None = None,
    cause: int | None = None,
) -> BookAppointment:
    cause = cause if cause is not None else state.stage_entered_sequence
    request = BookAppointmentInput(
        idempotency_key=f"{at.workflow_id}:{cause}:book-{kind.value}",
        participant_id=state.participant_id,
        kind=kind,
        earliest=earliest,
        latest=max(latest, earliest),
        preferred=preferred or earliest,
    )
    return BookAppointment(request)


def already_applied(state: JourneyState, action: StaffAction) -> ActionAccepted | None:
    """The answer a retried staff action gets: the sequence it produced the first time."""
    if action.request_id is None or action.request_id not in state.applied_requests:
        return None
    return ActionAccepted(
        sequence=state.applied_requests[action.request_id],
        stage=state.stage,
        message="Already recorded (same request ID); not applied again",
    )
