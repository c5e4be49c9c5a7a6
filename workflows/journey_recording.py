"""Recording and side effects of a journey: events, notifications, service calls, the event store.

A mixin of ParticipantJourneyWorkflow: handlers and stage methods record facts through
these helpers, and only `_flush` (called from every wait) sends them out, in order.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities import names as activity
    from itc.models.activity_inputs import (
        AppendEventsInput,
        AppendEventsResult,
        AppointmentBooking,
        BookAppointmentInput,
        LabOrderReceipt,
        NotificationReceipt,
        OrderLabsInput,
        SendNotificationInput,
    )
    from itc.models.enums import (
        AppointmentKind,
        EventType,
        Recipient,
        ResponseCategory,
        ScanKind,
        Stage,
    )
    from itc.models.events import SYSTEM_ACTOR, JourneyEvent
    from itc.models.inputs import (
        ActionAccepted,
        StaffAction,
    )
    from itc.models.state import (
        BiopsyAttempt,
        InfusionRecord,
        JourneyState,
        SaeClock,
        TimelineEntry,
    )
    from itc.models.trial import (
        RecordDltOutcomeInput,
        RecordSaeClockInput,
        ReportDltOutcomeInput,
        ReportSaeClockInput,
        trial_workflow_id,
    )
    from itc.rules.lab_catalogue import (
        LabCode,
    )
    from itc.rules.pfs import TumourAssessment, compute_pfs
    from workflows import search_attributes as sa
    from workflows.journey_facts import (
        compute_due,
    )


ACTIVITY_TIMEOUT = timedelta(seconds=30)
# Services come back eventually; the journey must never lose an action, so retry without limit.
ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=list(activity.NON_RETRYABLE_ERROR_TYPES),
)


class JourneyRecording:
    """State and outbox live on the workflow; this mixin only records into them."""

    s: JourneyState
    _unsent_events: list[JourneyEvent]
    _outbox: list[tuple[str, Any]]
    _flush_lock: asyncio.Lock
    _published_next_due: tuple[str, datetime] | None
    _published_search_attributes: tuple[Any, ...] | None

    # ------------------------------------------------------------------ recording helpers

    def _emit(
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
        self.s.last_sequence += 1
        now = workflow.now()
        info = workflow.info()
        event = JourneyEvent(
            participant_id=self.s.participant_id,
            sequence=self.s.last_sequence,
            type=type,
            payload=payload or {},
            occurred_at=occurred_at or now,
            recorded_at=now,
            actor=action.actor_id if action else (actor or SYSTEM_ACTOR),
            actor_role=action.role.value if action and action.role else actor_role,
            reason=action.reason if action else None,
            corrects_sequence=action.corrects_sequence if action else None,
            request_id=action.request_id if action else None,
            protocol_version=self.s.protocol.version,
            workflow_id=info.workflow_id,
            run_id=info.run_id,
        )
        self._unsent_events.append(event)
        self.s.timeline.append(
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

    def _accepted(self, inp: StaffAction, sequence: int, message: str) -> ActionAccepted:
        if inp.request_id is not None:
            self.s.applied_requests[inp.request_id] = sequence
        return ActionAccepted(sequence=sequence, stage=self.s.stage, message=message)

    def _already_applied(self, inp: StaffAction) -> ActionAccepted | None:
        if inp.request_id is None or inp.request_id not in self.s.applied_requests:
            return None
        return ActionAccepted(
            sequence=self.s.applied_requests[inp.request_id],
            stage=self.s.stage,
            message="Already recorded (same request ID); not applied again",
        )

    def _enter(self, stage: Stage) -> int:
        previous = self.s.stage if self.s.stage_entered_sequence else None
        self.s.stage, self.s.stage_entered_at = stage, workflow.now()
        self.s.stage_entered_sequence = self._emit(
            EventType.STAGE_CHANGED,
            {"from": previous.value if previous else None, "to": stage.value},
            summary=f"Stage: {stage.value}",
        )
        # Stage names only: the logger adds workflow and participant IDs, never PHI.
        workflow.logger.info("journey stage %s -> %s", previous.value if previous else "start", stage.value)
        return self.s.stage_entered_sequence

    def _end(self, stage: Stage, reason: str) -> None:
        self.s.end_reason = reason
        self._enter(stage)
        self._emit(
            EventType.JOURNEY_ENDED, {"reason": reason, "stage": stage.value}, summary=f"Journey ended: {reason}"
        )

    def _end_with_pfs(self, stage: Stage, reason: str) -> None:
        if self.s.first_infusion_at is not None and self.s.pfs is None:
            self._determine_pfs()
        self._end(stage, reason)

    def _determine_pfs(self) -> None:
        assessed = [s for s in self.s.scans if s.kind is not ScanKind.BASELINE]
        assessments = [
            TumourAssessment(
                assessed_on=s.scanned_at.date(),
                progression=s.response is ResponseCategory.PD,
                adequate=s.response is not ResponseCategory.NE,
            )
            for s in assessed
        ]
        missed = 0
        for cycle in reversed(self.s.follow_up):
            if cycle.missed:
                missed += 1
            elif cycle.assessed_at is not None:
                break
        result = compute_pfs(
            start_on=self.s.first_infusion_at.date(),
            assessments=assessments,
            death_on=self.s.died_at.date() if self.s.died_at else None,
            missed_assessments_before_death=missed,
            missed_assessments_censoring_death=self.s.protocol.follow_up.missed_assessments_censoring_death,
        )
        self.s.pfs = result
        self._emit(
            EventType.PFS_DETERMINED,
            result.model_dump(mode="json"),
            summary=f"PFS {result.days} days ({'event: ' + result.event_type if result.event else 'censored'})",
        )

    def _deviation(self, description: str) -> None:
        self.s.deviations.append(description)
        self._emit(
            EventType.PROTOCOL_DEVIATION_RECORDED, {"description": description}, summary=f"Deviation: {description}"
        )

    def _escalate(self, recipient: Recipient, kind: str, message: str) -> None:
        cause = self._emit(
            EventType.ESCALATION_RAISED,
            {"recipient": recipient.value, "kind": kind, "message": message},
            summary=f"Escalated to {recipient.value}: {message}",
        )
        self._notify(
            recipient,
            kind,
            f"{self.s.participant_id}: {kind.replace('_', ' ')}",
            message,
            cause=cause,
            urgent=recipient is not Recipient.SITE_STAFF,
        )

    def _notify(
        self, recipient: Recipient, kind: str, subject: str, body: str, *, cause: int, urgent: bool = False
    ) -> None:
        self._outbox.append(
            (
                activity.SEND_NOTIFICATION,
                SendNotificationInput(
                    idempotency_key=self._key(cause, recipient.value),
                    participant_id=self.s.participant_id,
                    recipient=recipient,
                    kind=kind,
                    subject=subject,
                    body=body,
                    urgent=urgent,
                ),
            )
        )

    def _report_dlt_outcome(self, dlt_found: bool, description: str | None) -> None:
        """The trial counts this participant as DLT-evaluable from here on."""
        outcome = RecordDltOutcomeInput(participant_id=self.s.participant_id, dlt=dlt_found, description=description)
        self._outbox.append(
            (
                activity.REPORT_DLT_OUTCOME,
                ReportDltOutcomeInput(
                    trial_workflow_id=trial_workflow_id(self.s.protocol.trial_id),
                    protocol_version=self.s.protocol.version,
                    outcome=outcome,
                ),
            )
        )

    def _report_sae_clock(self, clock: SaeClock, status: str) -> None:
        message = RecordSaeClockInput(
            participant_id=self.s.participant_id,
            ae_id=clock.ae_id,
            clock=clock.clock,
            due_at=clock.due_at,
            status=status,
        )
        self._outbox.append(
            (
                activity.REPORT_SAE_CLOCK,
                ReportSaeClockInput(
                    trial_workflow_id=trial_workflow_id(self.s.protocol.trial_id),
                    protocol_version=self.s.protocol.version,
                    clock=message,
                ),
            )
        )

    def _key(self, sequence: int, purpose: str) -> str:
        return f"{workflow.info().workflow_id}:{sequence}:{purpose}"

    def _stage_entered_at(self) -> datetime:
        return self.s.stage_entered_at or workflow.now()

    def _start_biopsy_attempt(self, collect_by: datetime) -> None:
        now = workflow.now()
        self.s.biopsies.append(
            BiopsyAttempt(attempt=len(self.s.biopsies) + 1, started_at=now, collect_by=max(collect_by, now))
        )
        self._enter(Stage.BIOPSY)

    def _plan_infusion(self, target: datetime) -> None:
        window = timedelta(days=self.s.protocol.infusions.window_days)
        self.s.infusions.append(
            InfusionRecord(
                number=len(self.s.infusions) + 1,
                target_at=target,
                window_start=target - window,
                window_end=target + window,
            )
        )

    def _discontinue_infusions(self, reason: str) -> None:
        self.s.infusions_discontinued, self.s.discontinuation_reason = True, reason
        cause = self._emit(
            EventType.INFUSIONS_DISCONTINUED,
            {"reason": reason, "infusions_given": self.s.infusions_given},
            summary=f"Infusions discontinued: {reason}",
        )
        self._notify(
            Recipient.SUPERVISOR,
            "infusions_discontinued",
            "Infusions discontinued",
            f"Further infusions stopped: {reason}.",
            cause=cause,
            urgent=True,
        )

    def _record_dlt(self, description: str) -> None:
        self.s.dlt, self.s.dlt_description = True, description
        cause = self._emit(
            EventType.DLT_DETECTED,
            {"description": description, "infusions_given": self.s.infusions_given},
            summary=f"DLT: {description}",
        )
        for recipient in (Recipient.SAFETY_MONITOR, Recipient.SUPERVISOR):
            self._notify(
                recipient,
                "dlt",
                f"DLT for {self.s.participant_id}",
                f"Dose-limiting toxicity: {description}. Further infusions are stopped.",
                cause=cause,
                urgent=True,
            )
        self._report_dlt_outcome(True, description)

    # ------------------------------------------------------------------ side effects

    async def _call(self, name: str, arg: Any, result_type: type) -> Any:
        return await workflow.execute_activity(
            name, arg, result_type=result_type, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY
        )

    async def _call_service(self, name: str, arg: Any, result_type: type, what: str) -> Any | None:
        """Call a service; when it refuses for good, tell staff to do it by hand and go on."""
        if name != activity.SEND_NOTIFICATION:
            # What was recorded before this request reaches the store and the staff first.
            await self._flush()
        try:
            return await self._call(name, arg, result_type)
        except ActivityError as err:
            refusal = getattr(err.cause, "type", None)
            if refusal not in activity.SERVICE_REFUSALS:
                raise RuntimeError(f"{name} failed: {err.cause}") from err
            message = f"{what} was refused by the service ({refusal}); arrange it by hand"
            if name == activity.SEND_NOTIFICATION:
                # Telling staff would need the very service that refused: the event is the record.
                self._emit(
                    EventType.ESCALATION_RAISED,
                    {"recipient": Recipient.SITE_STAFF.value, "kind": "service_refused", "message": message},
                    summary=message,
                )
            else:
                self._escalate(Recipient.SITE_STAFF, "service_refused", message)
            return None

    async def _order_labs(
        self, codes: tuple[LabCode, ...], purpose: str, due_by: datetime, *, cause: int | None = None
    ) -> None:
        cause = cause if cause is not None else self.s.stage_entered_sequence
        order = OrderLabsInput(
            idempotency_key=self._key(cause, f"labs-{purpose}"),
            participant_id=self.s.participant_id,
            codes=list(codes),
            purpose=purpose,
            due_by=due_by,
        )
        receipt = await self._call_service(activity.ORDER_LABS, order, LabOrderReceipt, f"Lab order {purpose}")
        if receipt is not None:
            self._emit(
                EventType.LABS_ORDERED,
                {
                    "order_id": receipt.order_id,
                    "codes": [c.value for c in codes],
                    "purpose": purpose,
                    "due_by": due_by.isoformat(),
                },
                summary=f"Labs ordered: {purpose}",
            )

    async def _book(
        self,
        kind: AppointmentKind,
        earliest: date,
        latest: date,
        *,
        preferred: date | None = None,
        cause: int | None = None,
    ) -> None:
        cause = cause if cause is not None else self.s.stage_entered_sequence
        request = BookAppointmentInput(
            idempotency_key=self._key(cause, f"book-{kind.value}"),
            participant_id=self.s.participant_id,
            kind=kind,
            earliest=earliest,
            latest=max(latest, earliest),
            preferred=preferred or earliest,
        )
        booking = await self._call_service(
            activity.BOOK_APPOINTMENT,
            request,
            AppointmentBooking,
            f"Booking {kind.value} between {earliest} and {request.latest}",
        )
        if booking is not None:
            self._emit(
                EventType.APPOINTMENT_BOOKED,
                {"appointment_id": booking.appointment_id, "kind": kind.value, "day": booking.day.isoformat()},
                summary=f"{kind.value} booked for {booking.day}",
            )

    async def _flush(self) -> None:
        """Append recorded events to the event store, then send queued notifications, in order."""
        async with self._flush_lock:
            self._attach_next_due()
            while self._unsent_events or self._outbox:
                if self._unsent_events:
                    batch, self._unsent_events = self._unsent_events, []
                    try:
                        await self._call(activity.APPEND_EVENTS, AppendEventsInput(events=batch), AppendEventsResult)
                    except ActivityError as err:
                        # Never go on without the audit record: fail the task so the journey
                        # stops where it is, visibly, until the store is fixed.
                        raise RuntimeError(
                            f"event store refused events {batch[0].sequence}-{batch[-1].sequence}: {err.cause}"
                        ) from err
                if self._outbox:
                    name, message = self._outbox.pop(0)
                    if name == activity.SEND_NOTIFICATION:
                        await self._call_service(
                            name,
                            message,
                            NotificationReceipt,
                            f"Notification {message.kind} to {message.recipient.value}",
                        )
                    else:
                        await self._call(name, message, type(None))
            self._upsert_search_attributes()

    def _attach_next_due(self) -> None:
        """Events carry the schedule when it changes, so the read model's 'next due' is exact."""
        if not self._unsent_events:
            return
        due = compute_due(self.s)
        current = (due[0].action, due[0].due_at) if due and not self.s.stage.is_terminal else None
        if current != self._published_next_due:
            self._published_next_due = current
            self._unsent_events[-1].payload.update(
                next_due_action=current[0] if current else None,
                next_due_at=current[1].isoformat() if current else None,
            )

    def _upsert_search_attributes(self) -> None:
        due = compute_due(self.s)
        next_due = due[0].due_at if due and not self.s.stage.is_terminal else None
        values = (self.s.stage.value, self.s.consent.site, next_due, self.s.dlt)
        if values == self._published_search_attributes:
            return
        self._published_search_attributes = values
        updates: list[SearchAttributeUpdate] = [
            sa.JOURNEY_STAGE.value_set(self.s.stage.value),
            sa.JOURNEY_SITE.value_set(self.s.consent.site),
            sa.DLT_FLAG.value_set(self.s.dlt),
            sa.NEXT_DUE_AT.value_set(next_due) if next_due else sa.NEXT_DUE_AT.value_unset(),
        ]
        workflow.upsert_search_attributes(updates)
