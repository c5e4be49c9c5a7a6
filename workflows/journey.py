"""ParticipantJourneyWorkflow: one durable workflow per participant, consent to end of follow-up.

Read `run` from top to bottom: it is the protocol's stages in order. Staff
actions arrive as Updates; their handlers only record facts and events into
the journey state, and the stage methods react to what was recorded. Every
wait goes through `_wait`, which also flushes events to the event store,
sends queued notifications, runs the background clocks (toxicity checks, SAE
clocks, the DLT window) and stops the journey on withdrawal, death,
progression or an off-study decision.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities import names as activity
    from journey_models.activity_inputs import (
        AppendEventsInput,
        AppendEventsResult,
        AppointmentBooking,
        BookAppointmentInput,
        CancelAppointmentsInput,
        CancelledAppointments,
        LabOrderReceipt,
        NotificationReceipt,
        OrderLabsInput,
        SendNotificationInput,
    )
    from journey_models.enums import (
        AeCategory,
        AppointmentKind,
        DecisionKind,
        EventType,
        Milestone,
        Recipient,
        ResponseCategory,
        ScanKind,
        Stage,
    )
    from journey_models.events import SYSTEM_ACTOR, JourneyEvent
    from journey_models.inputs import (
        ActionAccepted,
        RecordAdverseEventInput,
        RecordBiopsyCollectedInput,
        RecordDeathInput,
        RecordEligibilityAssessmentInput,
        RecordInfusionAdministeredInput,
        RecordLabResultsInput,
        RecordManufacturingMilestoneInput,
        RecordScanResultInput,
        RecordSupervisorDecisionInput,
        RecordWithdrawalInput,
        StaffAction,
    )
    from journey_models.state import (
        AdverseEventRecord,
        BiopsyAttempt,
        FollowUpCycle,
        InfusionRecord,
        JourneyState,
        JourneyStatus,
        MilestoneRecord,
        SaeClock,
        ScanRecord,
        StartJourneyInput,
        TimelineEntry,
        ToxicityCheck,
    )
    from journey_models.trial import (
        RecordDltOutcomeInput,
        RecordSaeClockInput,
        ReportDltOutcomeInput,
        ReportSaeClockInput,
        SetTrialPauseInput,
        trial_workflow_id,
    )
    from trial_rules import ctcae, dlt, recist
    from trial_rules.dose import plan_dose, product_sufficient
    from trial_rules.eligibility import EligibilityResult, LabValue, ScreeningFacts, evaluate_eligibility
    from trial_rules.lab_catalogue import (
        BASELINE_ASSESSMENTS,
        HAEMATOLOGICAL_LABS,
        PRE_INFUSION_LABS,
        RESPONSE_LABS,
        SCREENING_LABS,
        TOXICITY_CHECK_LABS,
        LabCode,
    )
    from trial_rules.pfs import TumourAssessment, compute_pfs
    from trial_rules.release import release_failures
    from workflows import journey_validators as validators
    from workflows import search_attributes as sa
    from workflows.journey_facts import (
        add_months,
        build_status,
        compute_due,
        hold_reason,
        nadir_sum_mm,
        next_milestone,
        pending_infusion,
    )

ACTIVITY_TIMEOUT = timedelta(seconds=30)
# Services come back eventually; the journey must never lose an action, so retry without limit.
ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=list(activity.NON_RETRYABLE_ERROR_TYPES),
)


class JourneyInterrupted(Exception):
    """Withdrawal, death, progression or an off-study decision: stop wherever the journey is."""


@workflow.defn
class ParticipantJourneyWorkflow:
    @workflow.init
    def __init__(self, input: StartJourneyInput) -> None:
        self.s: JourneyState = input.carried_state or JourneyState(consent=input.consent, protocol=input.protocol)
        self._unsent_events: list[JourneyEvent] = []
        # Outgoing messages queued by handlers and sent, in order, by the main loop.
        self._outbox: list[tuple[str, Any]] = []
        self._flush_lock = asyncio.Lock()
        self._published_next_due: tuple[str, datetime] | None = None
        self._published_search_attributes: tuple[Any, ...] | None = None
        if input.carried_state is None:
            # Here, not in run(): an Update delivered with the start runs before run() does,
            # and consent must be event 1.
            self._record_consent()

    # ------------------------------------------------------------------ the journey

    @workflow.run
    async def run(self, input: StartJourneyInput) -> JourneyStatus:
        try:
            while not self.s.stage.is_terminal:
                if self.s.stage is Stage.SCREENING:
                    await self._screen()
                elif self.s.stage is Stage.BASELINE:
                    await self._collect_baseline()
                elif self.s.stage is Stage.BIOPSY:
                    await self._collect_biopsy()
                elif self.s.stage is Stage.MANUFACTURING:
                    await self._await_manufacturing()
                elif self.s.stage is Stage.INFUSION:
                    await self._infuse()
                elif self.s.stage is Stage.RESPONSE_ASSESSMENT:
                    await self._assess_response()
                elif self.s.stage is Stage.FOLLOW_UP:
                    await self._follow_up_cycle()
                    if not self.s.stage.is_terminal:
                        await self._continue_as_new()
        except JourneyInterrupted:
            await self._stop_on_interruption()
        await self._settle_open_clocks()
        return build_status(self.s)

    def _record_consent(self) -> None:
        consent = self.s.consent
        self.s.started_at = workflow.now()
        payload = consent.model_dump(mode="json")
        payload.update(age_at_consent=consent.age_at_consent(), protocol_version=self.s.protocol.version)
        self._emit(
            EventType.CONSENT_RECORDED,
            payload,
            actor=consent.actor_id,
            occurred_at=datetime.combine(consent.consent_date, datetime.min.time(), self.s.started_at.tzinfo),
            summary=f"Consent form {consent.consent_form_version} signed at {consent.site}",
        )
        self._enter(Stage.SCREENING)

    async def _screen(self) -> None:
        cfg = self.s.protocol.screening
        entered = self._stage_entered_at()
        await self._order_labs(SCREENING_LABS, "screening", entered + timedelta(days=cfg.reminder_after_days))
        reminders = [
            (entered + timedelta(days=cfg.reminder_after_days), Recipient.SITE_STAFF),
            (entered + timedelta(days=cfg.escalate_after_days), Recipient.SUPERVISOR),
        ]
        while not await self._wait(lambda: self._eligibility().complete, until=reminders[0][0] if reminders else None):
            _, recipient = reminders.pop(0)
            self._escalate(recipient, "screening_incomplete", "Screening results are still missing: " + ", ".join(self._eligibility().missing))
        result = self._eligibility()
        if result.eligible:
            self.s.eligible_at = workflow.now()
            self._emit(EventType.ELIGIBILITY_CONFIRMED, {"criteria_met": True}, summary="Eligible")
            self._enter(Stage.BASELINE)
            return
        self.s.failed_criteria = [f.message for f in result.failed]
        self._emit(
            EventType.SCREEN_FAILED,
            {"failed": [f.model_dump() for f in result.failed]},
            summary="Screen failure: " + "; ".join(f.code for f in result.failed),
        )
        self._end(Stage.SCREEN_FAILED, "screen failure: " + "; ".join(f.code for f in result.failed))

    async def _collect_baseline(self) -> None:
        cfg = self.s.protocol.baseline
        entered = self._stage_entered_at()
        remind_at = entered + timedelta(days=cfg.reminder_after_days)
        await self._order_labs(BASELINE_ASSESSMENTS, "baseline", remind_at)
        await self._book(AppointmentKind.CT_SCAN, entered.date(), remind_at.date())

        def complete() -> bool:
            return self.s.baseline_scan is not None and all(c.value in self.s.labs for c in BASELINE_ASSESSMENTS)

        if not await self._wait(complete, until=remind_at):
            self._escalate(Recipient.SITE_STAFF, "baseline_incomplete", "Baseline assessments are overdue")
            await self._wait(complete)
        self.s.baseline_completed_at = workflow.now()
        self._emit(EventType.BASELINE_COMPLETED, {"sum_mm": self.s.baseline_scan.sum_mm}, summary="Baseline complete")
        self._start_biopsy_attempt(collect_by=self.s.eligible_at + timedelta(days=self.s.protocol.biopsy.book_within_days_of_eligibility))

    async def _collect_biopsy(self) -> None:
        biopsy = self.s.current_biopsy
        today = workflow.now().date()
        await self._book(AppointmentKind.BIOPSY, today, max(today, biopsy.collect_by.date()))
        if not biopsy.collection_escalated and not await self._wait(lambda: biopsy.collected_at is not None, until=biopsy.collect_by):
            biopsy.collection_escalated = True
            self._deviation(f"Biopsy attempt {biopsy.attempt} not collected by {biopsy.collect_by.date()}")
            self._escalate(Recipient.SUPERVISOR, "biopsy_overdue", f"Biopsy attempt {biopsy.attempt} is overdue")
        await self._wait(lambda: biopsy.collected_at is not None)
        self._notify(
            Recipient.MANUFACTURING_LAB,
            "sample_dispatched",
            f"Sample {biopsy.sample_id} for manufacturing",
            f"Biopsy attempt {biopsy.attempt} collected; expect receipt of sample {biopsy.sample_id}.",
            cause=self.s.last_sequence,
        )
        self._enter(Stage.MANUFACTURING)

    async def _await_manufacturing(self) -> None:
        biopsy = self.s.current_biopsy
        while self.s.stage is Stage.MANUFACTURING:
            milestone = next_milestone(biopsy)
            deadlines = []
            if milestone is not None and not milestone.overdue_escalated and not biopsy.failed:
                deadlines.append(milestone.expected_by)
            if not biopsy.deadline_escalated and not biopsy.failed:
                deadlines.append(biopsy.manufacturing_deadline)
            progress = self._manufacturing_progress()
            if await self._wait(lambda: self._manufacturing_progress() != progress, until=min(deadlines, default=None)):
                continue
            now = workflow.now()
            if milestone is not None and not milestone.overdue_escalated and now >= milestone.expected_by:
                milestone.overdue_escalated = True
                self._emit(EventType.MANUFACTURING_MILESTONE_OVERDUE, {"milestone": milestone.milestone.value, "expected_by": milestone.expected_by.isoformat()}, summary=f"{milestone.milestone.value} overdue")
                self._escalate(Recipient.SUPERVISOR, "milestone_overdue", f"Manufacturing step {milestone.milestone.value} is overdue (expected by {milestone.expected_by.date()})")
            if not biopsy.deadline_escalated and now >= biopsy.manufacturing_deadline:
                biopsy.deadline_escalated = True
                self.s.awaiting_decision = True
                self._emit(EventType.MANUFACTURING_DEADLINE_PASSED, {"deadline": biopsy.manufacturing_deadline.isoformat()}, summary="Manufacturing deadline passed")
                self._escalate(Recipient.SUPERVISOR, "manufacturing_deadline", "Manufacturing passed its overall deadline: decide re-biopsy, off-study or continue")

    async def _infuse(self) -> None:
        cfg = self.s.protocol.infusions
        while not self.s.dlt and not self.s.infusions_discontinued:
            infusion = pending_infusion(self.s)
            if infusion is None:
                if len(self.s.infusions) >= self.s.protocol.dosing.infusion_count:
                    break
                self._plan_infusion(self.s.first_infusion_at + timedelta(days=cfg.schedule_days[len(self.s.infusions)]))
                continue
            if not infusion.prepared:
                # Book and order labs once the pre-infusion check window opens, not weeks ahead,
                # so a DLT or withdrawal in between leaves nothing to cancel.
                check_opens = infusion.window_start - timedelta(hours=cfg.pre_infusion_check_hours)
                if await self._wait(lambda: self.s.dlt or self.s.infusions_discontinued, until=check_opens):
                    continue
                infusion.prepared = True
                cause = self._emit(EventType.INFUSION_DUE, {"infusion_number": infusion.number, "target_at": infusion.target_at.isoformat(), "window_start": infusion.window_start.isoformat(), "window_end": infusion.window_end.isoformat()}, summary=f"Infusion {infusion.number} due {infusion.target_at.date()}")
                await self._order_labs(PRE_INFUSION_LABS, f"pre_infusion_{infusion.number}", infusion.target_at, cause=cause)
                await self._book(AppointmentKind.INFUSION, infusion.window_start.date(), infusion.window_end.date(), preferred=infusion.target_at.date(), cause=cause)
                continue
            await self._watch_pending_infusion(infusion)
        given = [i for i in self.s.infusions if i.administered_at is not None]
        if len(given) < self.s.protocol.dosing.infusion_count and not self.s.infusions_discontinued:
            self._discontinue_infusions("dose-limiting toxicity" if self.s.dlt else "stopped")
        if not given:
            self._end(Stage.OFF_STUDY, f"no infusion given ({self.s.discontinuation_reason})")
            return
        last = given[-1].administered_at
        self.s.dlt_window_ends_at = dlt.dlt_window_end(last, self.s.protocol.dlt)
        self.s.response_due_at = last + timedelta(weeks=self.s.protocol.response.weeks_after_last_infusion)
        self._enter(Stage.RESPONSE_ASSESSMENT)

    async def _watch_pending_infusion(self, infusion: InfusionRecord) -> None:
        """Wait for the infusion, holding it while a toxicity is unresolved, up to the limit."""
        cfg = self.s.protocol.infusions
        now = workflow.now()
        reason = hold_reason(self.s, now) if now >= infusion.window_start else None
        if reason and infusion.held_since is None:
            infusion.held_since, infusion.hold_reason = now, reason
            cause = self._emit(EventType.INFUSION_HELD, {"infusion_number": infusion.number, "reason": reason}, summary=f"Infusion {infusion.number} held: {reason}")
            self._notify(Recipient.SUPERVISOR, "infusion_held", f"Infusion {infusion.number} held", f"Infusion {infusion.number} is on hold: {reason}", cause=cause)
        elif not reason and infusion.held_since is not None:
            held_days = (now - infusion.held_since).days
            infusion.held_since, infusion.hold_reason = None, None
            infusion.target_at, infusion.window_start = now, now
            infusion.window_end = now + timedelta(days=cfg.window_days)
            self._emit(EventType.INFUSION_HOLD_RELEASED, {"infusion_number": infusion.number, "held_days": held_days, "window_end": infusion.window_end.isoformat()}, summary=f"Infusion {infusion.number} hold released")
        if infusion.held_since is not None and now >= infusion.held_since + timedelta(days=cfg.max_hold_days):
            self._discontinue_infusions(f"infusion {infusion.number} held longer than {cfg.max_hold_days} days")
            return
        if infusion.held_since is None and not infusion.window_escalated and now > infusion.window_end:
            infusion.window_escalated = True
            self._deviation(f"Infusion {infusion.number} not given within its window ending {infusion.window_end.date()}")
            self._escalate(Recipient.SUPERVISOR, "infusion_window_missed", f"Infusion {infusion.number} missed its window")
        timers = [infusion.window_start if now < infusion.window_start else None]
        if infusion.held_since is not None:
            timers.append(infusion.held_since + timedelta(days=cfg.max_hold_days))
        elif not infusion.window_escalated:
            timers.append(infusion.window_end + timedelta(seconds=1))
        held = infusion.held_since is not None

        def changed() -> bool:
            if infusion.administered_at is not None or self.s.dlt:
                return True
            current = workflow.now()
            return current >= infusion.window_start and (hold_reason(self.s, current) is not None) != held

        await self._wait(changed, until=min((t for t in timers if t is not None), default=None))

    async def _assess_response(self) -> None:
        cfg = self.s.protocol.response
        due = self.s.response_due_at
        if not self.s.response_prepared:
            self.s.response_prepared = True
            await self._order_labs(RESPONSE_LABS, "response_assessment", due)
            await self._book(AppointmentKind.CT_SCAN, (due - timedelta(days=cfg.window_days)).date(), (due + timedelta(days=cfg.window_days)).date(), preferred=due.date())
        if not await self._wait(lambda: self.s.response is not None, until=due + timedelta(days=cfg.window_days)):
            self.s.response = self.s.confirmed_response = ResponseCategory.NE
            self._emit(EventType.RESPONSE_ASSESSED, {"response": "NE", "missed": True}, summary="Week-8 response scan missed: NE")
            self._deviation("Week-8 response assessment missed")
        if self.s.confirmation_due_at is not None and self.s.confirmed_response is None:
            window_end = self.s.confirmation_due_at + timedelta(days=cfg.confirmation_window_days)
            if not await self._wait(lambda: self.s.confirmed_response is not None, until=window_end):
                self.s.confirmed_response = ResponseCategory(recist.confirmed_response(self.s.response.value, "NE", True))
                self._emit(EventType.RESPONSE_NOT_CONFIRMED, {"response": self.s.response.value, "confirmed_response": self.s.confirmed_response.value, "missed": True}, summary="Confirmation scan missed")
                self._deviation("Confirmation scan missed")
        self.s.follow_up_ends_at = add_months(self.s.first_infusion_at, self.s.protocol.follow_up.duration_months)
        self._enter(Stage.FOLLOW_UP)

    async def _follow_up_cycle(self) -> None:
        """One 12-weekly CT and visit; the run continues as new after each."""
        cfg = self.s.protocol.follow_up
        last = self.s.follow_up[-1] if self.s.follow_up else None
        if last is None or last.assessed_at is not None or last.missed:
            anchor = last.due_at if last else self.s.response_due_at
            due = anchor + timedelta(weeks=cfg.interval_weeks)
            if due > self.s.follow_up_ends_at:
                await self._wait(lambda: False, until=self.s.follow_up_ends_at)
                self._end_with_pfs(Stage.COMPLETED, "end of follow-up")
                return
            window = timedelta(days=cfg.window_days)
            self.s.follow_up.append(FollowUpCycle(cycle=len(self.s.follow_up) + 1, due_at=due, window_start=due - window, window_end=due + window))
        cycle = self.s.follow_up[-1]
        if not cycle.opened:
            await self._wait(lambda: cycle.assessed_at is not None, until=cycle.window_start)
            cycle.opened = True
            cause = self._emit(EventType.FOLLOW_UP_ASSESSMENT_DUE, {"cycle": cycle.cycle, "due_at": cycle.due_at.isoformat(), "window_end": cycle.window_end.isoformat()}, summary=f"Follow-up {cycle.cycle} due {cycle.due_at.date()}")
            await self._book(AppointmentKind.CT_SCAN, cycle.window_start.date(), cycle.window_end.date(), preferred=cycle.due_at.date(), cause=cause)
            await self._book(AppointmentKind.FOLLOW_UP_VISIT, cycle.window_start.date(), cycle.window_end.date(), preferred=cycle.due_at.date(), cause=cause)
        if not await self._wait(lambda: cycle.assessed_at is not None, until=cycle.window_end):
            cycle.missed = True
            self._emit(EventType.FOLLOW_UP_ASSESSMENT_MISSED, {"cycle": cycle.cycle}, summary=f"Follow-up {cycle.cycle} missed")
            self._deviation(f"Follow-up assessment {cycle.cycle} missed")
            self._escalate(Recipient.SUPERVISOR, "follow_up_missed", f"Follow-up assessment {cycle.cycle} was missed")
        await self._flush()

    async def _continue_as_new(self) -> None:
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._flush()
        if self._interruption() is not None:
            raise JourneyInterrupted()
        self.s.run_count += 1
        workflow.continue_as_new(
            StartJourneyInput(consent=self.s.consent, protocol=self.s.protocol, carried_state=self.s)
        )

    async def _stop_on_interruption(self) -> None:
        reason = self._interruption()
        cause = self.s.last_sequence
        cancelled = await self._call(
            activity.CANCEL_APPOINTMENTS,
            CancelAppointmentsInput(idempotency_key=self._key(cause, "cancel"), participant_id=self.s.participant_id, reason=reason),
            CancelledAppointments,
        )
        self._emit(EventType.APPOINTMENTS_CANCELLED, {"cancelled": cancelled.cancelled, "reason": reason}, summary=f"{cancelled.cancelled} appointments cancelled")
        if reason == "withdrawn":
            self._end_with_pfs(Stage.WITHDRAWN, "consent withdrawn")
        elif reason == "deceased":
            self._end_with_pfs(Stage.DECEASED, "death")
        elif reason == "progression":
            self._end_with_pfs(Stage.COMPLETED, "progression")
        else:
            self._end_with_pfs(Stage.OFF_STUDY, f"off study: {self.s.off_study_reason}")

    async def _settle_open_clocks(self) -> None:
        """An SAE reported on the last day still needs its clock; finish only when none is pending."""
        await self._wait(lambda: all(not c.open or c.escalated_at is not None for c in self.s.sae_clocks))
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._flush()

    # ------------------------------------------------------------------ waiting and background clocks

    async def _wait(self, condition: Callable[[], bool], until: datetime | None = None) -> bool:
        """Wait for `condition` or `until`; True when the condition held. Raises on interruption."""
        while True:
            await self._flush()
            self._run_background_clocks()
            if self._unsent_events or self._outbox:
                continue
            if self._interruption() is not None:
                raise JourneyInterrupted()
            if condition():
                return True
            now = workflow.now()
            if until is not None and now >= until:
                return False
            wake_at = min((t for t in (until, self._next_background_deadline()) if t is not None), default=None)
            try:
                await workflow.wait_condition(
                    lambda: bool(self._unsent_events or self._outbox)
                    or self._interruption() is not None
                    or condition(),
                    timeout=(wake_at - now) if wake_at is not None else None,
                )
            except asyncio.TimeoutError:
                pass

    def _interruption(self) -> str | None:
        if self.s.stage.is_terminal:
            return None
        if self.s.died_at is not None:
            return "deceased"
        if self.s.withdrawn_at is not None:
            return "withdrawn"
        if self.s.off_study_reason is not None:
            return "off_study"
        if self.s.progression_at is not None:
            return "progression"
        return None

    def _next_background_deadline(self) -> datetime | None:
        times: list[datetime] = []
        if not self.s.stage.is_terminal:
            for check in self.s.toxicity_checks:
                if check.completed_at is None and not check.missed:
                    times.append(check.window_end if check.ordered else check.due_at)
            for ae in self._haematological_grade4_to_time():
                times.append(ae.onset_at + timedelta(days=self.s.protocol.dlt.haematological_min_duration_days, seconds=1))
            if self.s.dlt_window_ends_at is not None and not self.s.dlt_window_closed:
                times.append(self.s.dlt_window_ends_at)
        times.extend(c.due_at for c in self.s.sae_clocks if c.open and c.escalated_at is None)
        return min(times, default=None)

    def _run_background_clocks(self) -> None:
        now = workflow.now()
        if not self.s.stage.is_terminal:
            self._run_toxicity_checks(now)
            for ae in self._haematological_grade4_to_time():
                if now - ae.onset_at > timedelta(days=self.s.protocol.dlt.haematological_min_duration_days):
                    ae.dlt_checked_for_duration = True
                    if dlt.haematological_dlt(ae.onset_at, now, self.s.protocol.dlt):
                        ae.is_dlt = True
                        self._record_dlt(f"grade 4 {ae.term} ({ae.ae_id}) lasting more than {self.s.protocol.dlt.haematological_min_duration_days} days")
            if self.s.dlt_window_ends_at is not None and not self.s.dlt_window_closed and now >= self.s.dlt_window_ends_at:
                self.s.dlt_window_closed = True
                self._emit(EventType.DLT_WINDOW_COMPLETED, {"dlt": self.s.dlt}, summary="DLT window completed")
                if not self.s.dlt:
                    self._report_dlt_outcome(False, None)
        for clock in self.s.sae_clocks:
            if clock.open and clock.escalated_at is None and now >= clock.due_at:
                clock.escalated_at = now
                self._report_sae_clock(clock, "escalated")
                cause = self._emit(EventType.SAE_CLOCK_ESCALATED, {"ae_id": clock.ae_id, "clock": clock.clock, "due_at": clock.due_at.isoformat()}, summary=f"SAE clock {clock.clock} for {clock.ae_id} overdue")
                for recipient in (Recipient.SUPERVISOR, Recipient.SPONSOR):
                    self._notify(recipient, "sae_clock_overdue", f"OVERDUE: {clock.clock} report for {clock.ae_id}", f"The {clock.clock} report for {clock.ae_id} was due {clock.due_at.isoformat()} and is not acknowledged.", cause=cause, urgent=True)

    def _run_toxicity_checks(self, now: datetime) -> None:
        for check in self.s.toxicity_checks:
            if check.completed_at is not None or check.missed:
                continue
            if not check.ordered and now >= check.due_at:
                check.ordered = True
                cause = self._emit(EventType.TOXICITY_CHECK_DUE, {"infusion_number": check.infusion_number, "day": check.day, "due_at": check.due_at.isoformat()}, summary=f"Toxicity check day +{check.day} after infusion {check.infusion_number} due")
                self._notify(Recipient.SITE_STAFF, "toxicity_check_due", f"Toxicity check day +{check.day}", f"Record toxicity labs ({', '.join(c.value for c in TOXICITY_CHECK_LABS)}) and any adverse events by {check.window_end.isoformat()}.", cause=cause)
            if check.ordered and now >= check.window_end:
                check.missed = True
                self._emit(EventType.TOXICITY_CHECK_MISSED, {"infusion_number": check.infusion_number, "day": check.day}, summary=f"Toxicity check day +{check.day} missed")
                self._deviation(f"Toxicity check day +{check.day} after infusion {check.infusion_number} missed")

    def _haematological_grade4_to_time(self) -> list[AdverseEventRecord]:
        return [
            ae for ae in self.s.adverse_events
            if ae.category is AeCategory.HAEMATOLOGICAL and ae.grade == 4 and ae.resolved_at is None
            and not ae.dlt_checked_for_duration and not self.s.dlt and self._in_dlt_window(ae.onset_at)
        ]

    # ------------------------------------------------------------------ staff actions (Updates)

    @workflow.update
    def record_lab_results(self, inp: RecordLabResultsInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        grades: dict[str, int] = {}
        for result in inp.results:
            current = self.s.labs.get(result.code.value)
            if inp.corrects_sequence is not None or current is None or result.collected_at >= current.collected_at:
                self.s.labs[result.code.value] = result
            if result.code in ctcae.GRADED_LABS and result.value is not None:
                grades[result.code.value] = ctcae.grade_lab(result.code, result.value, self.s.protocol.reference_ranges, result.upper_limit_normal, result.lower_limit_normal)
        seq = self._emit(EventType.LAB_RESULTS_RECORDED, {"results": [r.model_dump(mode="json") for r in inp.results], "ctcae_grades": grades}, action=inp, occurred_at=max(r.collected_at for r in inp.results), summary="Lab results: " + ", ".join(r.code.value for r in inp.results))
        self._track_haematological_labs(inp, grades)
        self._complete_toxicity_checks(inp)
        return self._accepted(inp, seq, "Lab results recorded")

    @record_lab_results.validator
    def _validate_lab_results(self, inp: RecordLabResultsInput) -> None:
        validators.validate_lab_results(self.s, inp, workflow.now())

    @workflow.update
    def record_eligibility_assessment(self, inp: RecordEligibilityAssessmentInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        self.s.eligibility_assessment = inp
        seq = self._emit(EventType.ELIGIBILITY_ASSESSMENT_RECORDED, inp.model_dump(mode="json", exclude={"actor_id", "request_id", "reason", "corrects_sequence"}), action=inp, occurred_at=inp.assessed_at, summary="Eligibility assessment recorded")
        return self._accepted(inp, seq, "Eligibility assessment recorded")

    @record_eligibility_assessment.validator
    def _validate_eligibility_assessment(self, inp: RecordEligibilityAssessmentInput) -> None:
        validators.validate_eligibility_assessment(self.s, inp, workflow.now())

    @workflow.update
    def record_scan_result(self, inp: RecordScanResultInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        lesions = [recist.Lesion(**lesion.model_dump()) for lesion in inp.target_lesions]
        assessment = None
        if inp.kind is not ScanKind.BASELINE:
            baseline = [recist.Lesion(**lesion.model_dump()) for lesion in self.s.baseline_scan.target_lesions]
            assessment = recist.assess_response(baseline, nadir_sum_mm(self.s), lesions, inp.new_lesions, inp.unequivocal_non_target_progression, self.s.protocol.recist)
        response = ResponseCategory(assessment.response) if assessment else None
        sum_mm = recist.sum_of_diameters(lesions)
        seq = self._emit(
            EventType.SCAN_RECORDED,
            {"kind": inp.kind.value, "target_lesions": [l.model_dump() for l in inp.target_lesions], "new_lesions": inp.new_lesions, "unequivocal_non_target_progression": inp.unequivocal_non_target_progression, "sum_mm": sum_mm, "recist": assessment.model_dump() if assessment else None},
            action=inp, occurred_at=inp.scanned_at,
            summary=f"{inp.kind.value} scan: sum {sum_mm:g} mm" + (f", {response.value}" if response else ""),
        )
        self.s.scans.append(ScanRecord(sequence=seq, kind=inp.kind, scanned_at=inp.scanned_at, target_lesions=inp.target_lesions, sum_mm=sum_mm, response=response))
        if inp.kind is ScanKind.RESPONSE:
            self._record_response(response, inp.scanned_at, seq)
        elif inp.kind is ScanKind.CONFIRMATION:
            self._record_confirmation(response, inp.scanned_at, seq)
        elif inp.kind is ScanKind.FOLLOW_UP:
            self._record_follow_up_scan(response, inp.scanned_at, seq)
        return self._accepted(inp, seq, f"Scan recorded{': ' + response.value if response else ''}")

    @record_scan_result.validator
    def _validate_scan_result(self, inp: RecordScanResultInput) -> None:
        validators.validate_scan_result(self.s, inp, workflow.now())

    @workflow.update
    def record_biopsy_collected(self, inp: RecordBiopsyCollectedInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        biopsy = self.s.current_biopsy
        biopsy.sample_id, biopsy.collected_at = inp.sample_id, inp.collected_at
        manufacturing = self.s.protocol.manufacturing
        biopsy.manufacturing_deadline = inp.collected_at + timedelta(days=manufacturing.overall_deadline_days)
        biopsy.milestones = [MilestoneRecord(milestone=Milestone(spec.name)) for spec in manufacturing.milestones]
        self._reschedule_milestones(biopsy, inp.collected_at)
        seq = self._emit(EventType.BIOPSY_COLLECTED, {"attempt": biopsy.attempt, "sample_id": inp.sample_id, "manufacturing_deadline": biopsy.manufacturing_deadline.isoformat()}, action=inp, occurred_at=inp.collected_at, summary=f"Biopsy {biopsy.attempt} collected, sample {inp.sample_id}")
        return self._accepted(inp, seq, f"Biopsy recorded; sample {inp.sample_id} starts the chain of identity")

    @record_biopsy_collected.validator
    def _validate_biopsy_collected(self, inp: RecordBiopsyCollectedInput) -> None:
        validators.validate_biopsy_collected(self.s, inp, workflow.now())

    @workflow.update
    def record_manufacturing_milestone(self, inp: RecordManufacturingMilestoneInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        biopsy = self.s.current_biopsy
        milestone = next_milestone(biopsy)
        milestone.occurred_at, milestone.succeeded = inp.occurred_at, inp.succeeded
        on_time = inp.occurred_at <= milestone.expected_by
        seq = self._emit(EventType.MANUFACTURING_MILESTONE_RECORDED, {"milestone": inp.milestone.value, "sample_id": inp.sample_id, "succeeded": inp.succeeded, "failure_code": inp.failure_code, "on_time": on_time, "release_qc": inp.release_qc.model_dump() if inp.release_qc else None}, action=inp, occurred_at=inp.occurred_at, summary=f"{inp.milestone.value} {'done' if inp.succeeded else 'FAILED'}")
        self._reschedule_milestones(biopsy, inp.occurred_at)
        if not inp.succeeded:
            self._manufacturing_failed(inp.failure_code, seq)
        elif inp.milestone is Milestone.PRODUCT_RELEASE_QC:
            self._release_product(inp, seq)
        return self._accepted(inp, seq, f"{inp.milestone.value} recorded")

    @record_manufacturing_milestone.validator
    def _validate_manufacturing_milestone(self, inp: RecordManufacturingMilestoneInput) -> None:
        validators.validate_manufacturing_milestone(self.s, inp, workflow.now())

    @workflow.update
    def record_infusion_administered(self, inp: RecordInfusionAdministeredInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        infusion = pending_infusion(self.s)
        infusion.administered_at, infusion.cells_administered = inp.administered_at, inp.cells_administered
        plan = self.s.dose_plan
        in_window = infusion.window_start <= inp.administered_at <= infusion.window_end
        dose_in_range = plan.min_cells_per_infusion <= inp.cells_administered <= plan.max_cells_per_infusion
        seq = self._emit(EventType.INFUSION_ADMINISTERED, {"infusion_number": inp.infusion_number, "cells_administered": inp.cells_administered, "product_sample_id": inp.product_sample_id, "in_window": in_window, "dose_in_range": dose_in_range}, action=inp, occurred_at=inp.administered_at, summary=f"Infusion {inp.infusion_number} given")
        if not in_window:
            self._deviation(f"Infusion {inp.infusion_number} given outside its window ({infusion.window_start.date()} to {infusion.window_end.date()})")
        if not dose_in_range:
            self._deviation(f"Infusion {inp.infusion_number} dose {inp.cells_administered:.3g} cells outside the planned range {plan.min_cells_per_infusion:.3g}-{plan.max_cells_per_infusion:.3g}")
        cfg = self.s.protocol.infusions
        for day in cfg.toxicity_check_days:
            due = inp.administered_at + timedelta(days=day)
            self.s.toxicity_checks.append(ToxicityCheck(infusion_number=inp.infusion_number, day=day, due_at=due, window_end=due + timedelta(days=cfg.toxicity_check_window_days)))
        return self._accepted(inp, seq, f"Infusion {inp.infusion_number} recorded")

    @record_infusion_administered.validator
    def _validate_infusion_administered(self, inp: RecordInfusionAdministeredInput) -> None:
        validators.validate_infusion_administered(self.s, inp, workflow.now())

    @workflow.update
    def record_adverse_event(self, inp: RecordAdverseEventInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        grade = self._ae_grade(inp)
        ae = next((a for a in self.s.adverse_events if a.ae_id == inp.ae_id), None) if inp.ae_id else None
        if ae is None:
            ae = AdverseEventRecord(ae_id=f"AE-{len(self.s.adverse_events) + 1}", term=inp.term, category=inp.category, grade=grade, attribution=inp.attribution, serious=inp.serious, unexpected=inp.unexpected, onset_at=inp.onset_at, resolved_at=inp.resolved_at, recorded_sequence=self.s.last_sequence + 1)
            self.s.adverse_events.append(ae)
        else:
            ae.term, ae.grade, ae.attribution, ae.resolved_at = inp.term, grade, inp.attribution, inp.resolved_at
            ae.serious, ae.unexpected = ae.serious or inp.serious, ae.unexpected or inp.unexpected
        seq = self._emit(EventType.ADVERSE_EVENT_RECORDED, {"ae_id": ae.ae_id, "term": ae.term, "category": ae.category.value, "grade": grade, "attribution": ae.attribution.value, "serious": ae.serious, "unexpected": ae.unexpected, "onset_at": ae.onset_at.isoformat(), "resolved_at": ae.resolved_at.isoformat() if ae.resolved_at else None, "update": inp.ae_id is not None}, action=inp, occurred_at=inp.resolved_at or inp.onset_at, summary=f"{ae.ae_id} {ae.term} grade {grade}" + (" (resolved)" if ae.resolved_at else ""))
        self._check_dlt(ae)
        if ae.serious:
            self._start_sae_clocks(ae, seq)
        return self._accepted(inp, seq, f"{ae.ae_id} recorded, grade {grade}")

    @record_adverse_event.validator
    def _validate_adverse_event(self, inp: RecordAdverseEventInput) -> None:
        validators.validate_adverse_event(self.s, inp, workflow.now())
        if self._ae_grade(inp) == 0:
            raise validators.reject(validators.INVALID_VALUE, f"The {inp.category.value} findings do not reach grade 1 under ASTCT; nothing to record.")

    @workflow.update
    def record_withdrawal(self, inp: RecordWithdrawalInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        self.s.withdrawn_at = inp.withdrawn_at
        seq = self._emit(EventType.WITHDRAWAL_RECORDED, {"stage": self.s.stage.value}, action=inp, occurred_at=inp.withdrawn_at, summary="Consent withdrawn")
        return self._accepted(inp, seq, "Withdrawal recorded; future contact stops and booked appointments are cancelled")

    @record_withdrawal.validator
    def _validate_withdrawal(self, inp: RecordWithdrawalInput) -> None:
        validators.validate_withdrawal(self.s, inp, workflow.now())

    @workflow.update
    def record_death(self, inp: RecordDeathInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        self.s.died_at = inp.died_at
        seq = self._emit(EventType.DEATH_RECORDED, {"attribution": inp.attribution.value, "stage": self.s.stage.value}, action=inp, occurred_at=inp.died_at, summary="Death recorded")
        self._notify(Recipient.SAFETY_MONITOR, "death", "Participant death", f"Death recorded for {self.s.participant_id} (attribution {inp.attribution.value}).", cause=seq, urgent=True)
        return self._accepted(inp, seq, "Death recorded")

    @record_death.validator
    def _validate_death(self, inp: RecordDeathInput) -> None:
        validators.validate_death(self.s, inp, workflow.now())

    @workflow.update
    def record_supervisor_decision(self, inp: RecordSupervisorDecisionInput) -> ActionAccepted:
        if (seen := self._already_applied(inp)) is not None:
            return seen
        seq = self._emit(EventType.SUPERVISOR_DECISION_RECORDED, {"decision": inp.decision.value, "ae_id": inp.ae_id}, action=inp, summary=f"Supervisor decision: {inp.decision.value}")
        if inp.decision is DecisionKind.OFF_STUDY:
            self.s.off_study_reason = inp.reason
        elif inp.decision is DecisionKind.RE_BIOPSY:
            self.s.awaiting_decision = False
            self._start_biopsy_attempt(collect_by=workflow.now() + timedelta(days=self.s.protocol.biopsy.book_within_days_of_eligibility))
        elif inp.decision is DecisionKind.CONTINUE_MANUFACTURING:
            self.s.awaiting_decision = False
        else:
            names = ("sponsor_24h",) if inp.decision is DecisionKind.SAE_REPORTED_TO_SPONSOR else ("susar_7d", "susar_15d")
            for clock in self.s.sae_clocks:
                if clock.ae_id == inp.ae_id and clock.clock in names and clock.open:
                    clock.acknowledged_at = workflow.now()
                    self._report_sae_clock(clock, "acknowledged")
                    self._emit(EventType.SAE_CLOCK_ACKNOWLEDGED, {"ae_id": clock.ae_id, "clock": clock.clock, "on_time": clock.acknowledged_at <= clock.due_at}, action=inp, summary=f"SAE clock {clock.clock} for {clock.ae_id} acknowledged")
        return self._accepted(inp, seq, f"Decision {inp.decision.value} recorded")

    @record_supervisor_decision.validator
    def _validate_supervisor_decision(self, inp: RecordSupervisorDecisionInput) -> None:
        validators.validate_supervisor_decision(self.s, inp, workflow.now())

    @workflow.signal
    def set_trial_pause(self, inp: SetTrialPauseInput) -> None:
        """From the trial workflow: the cohort's safety boundary paused (or a supervisor resumed) infusions."""
        if self.s.stage.is_terminal or self.s.trial_paused == inp.paused:
            return
        self.s.trial_paused, self.s.trial_pause_reason = inp.paused, inp.reason if inp.paused else None
        self._emit(EventType.TRIAL_PAUSE_CHANGED, {"paused": inp.paused, "reason": inp.reason}, actor="trial", summary=("Trial paused: " if inp.paused else "Trial resumed: ") + inp.reason)

    # ------------------------------------------------------------------ queries

    @workflow.query
    def get_state(self) -> JourneyStatus:
        return build_status(self.s)

    @workflow.query
    def get_timeline(self) -> list[TimelineEntry]:
        return self.s.timeline

    # ------------------------------------------------------------------ recording helpers

    def _emit(self, type: EventType, payload: dict[str, Any] | None = None, *, action: StaffAction | None = None, actor: str | None = None, occurred_at: datetime | None = None, summary: str = "") -> int:
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
            reason=action.reason if action else None,
            corrects_sequence=action.corrects_sequence if action else None,
            request_id=action.request_id if action else None,
            protocol_version=self.s.protocol.version,
            workflow_id=info.workflow_id,
            run_id=info.run_id,
        )
        self._unsent_events.append(event)
        self.s.timeline.append(TimelineEntry(sequence=event.sequence, type=type.value, occurred_at=event.occurred_at, actor=event.actor, summary=summary or type.value, corrects_sequence=event.corrects_sequence))
        return event.sequence

    def _accepted(self, inp: StaffAction, sequence: int, message: str) -> ActionAccepted:
        if inp.request_id is not None:
            self.s.applied_requests[inp.request_id] = sequence
        return ActionAccepted(sequence=sequence, stage=self.s.stage, message=message)

    def _already_applied(self, inp: StaffAction) -> ActionAccepted | None:
        if inp.request_id is None or inp.request_id not in self.s.applied_requests:
            return None
        return ActionAccepted(sequence=self.s.applied_requests[inp.request_id], stage=self.s.stage, message="Already recorded (same request ID); not applied again")

    def _enter(self, stage: Stage) -> int:
        previous = self.s.stage if self.s.stage_entered_sequence else None
        self.s.stage, self.s.stage_entered_at = stage, workflow.now()
        self.s.stage_entered_sequence = self._emit(EventType.STAGE_CHANGED, {"from": previous.value if previous else None, "to": stage.value}, summary=f"Stage: {stage.value}")
        # Stage names only: the logger adds workflow and participant IDs, never PHI.
        workflow.logger.info("journey stage %s -> %s", previous.value if previous else "start", stage.value)
        return self.s.stage_entered_sequence

    def _end(self, stage: Stage, reason: str) -> None:
        self.s.end_reason = reason
        self._enter(stage)
        self._emit(EventType.JOURNEY_ENDED, {"reason": reason, "stage": stage.value}, summary=f"Journey ended: {reason}")

    def _end_with_pfs(self, stage: Stage, reason: str) -> None:
        if self.s.first_infusion_at is not None and self.s.pfs is None:
            self._determine_pfs()
        self._end(stage, reason)

    def _determine_pfs(self) -> None:
        assessed = [s for s in self.s.scans if s.kind is not ScanKind.BASELINE]
        assessments = [TumourAssessment(assessed_on=s.scanned_at.date(), progression=s.response is ResponseCategory.PD, adequate=s.response is not ResponseCategory.NE) for s in assessed]
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
        self._emit(EventType.PFS_DETERMINED, result.model_dump(mode="json"), summary=f"PFS {result.days} days ({'event: ' + result.event_type if result.event else 'censored'})")

    def _deviation(self, description: str) -> None:
        self.s.deviations.append(description)
        self._emit(EventType.PROTOCOL_DEVIATION_RECORDED, {"description": description}, summary=f"Deviation: {description}")

    def _escalate(self, recipient: Recipient, kind: str, message: str) -> None:
        cause = self._emit(EventType.ESCALATION_RAISED, {"recipient": recipient.value, "kind": kind, "message": message}, summary=f"Escalated to {recipient.value}: {message}")
        self._notify(recipient, kind, f"{self.s.participant_id}: {kind.replace('_', ' ')}", message, cause=cause, urgent=recipient is not Recipient.SITE_STAFF)

    def _notify(self, recipient: Recipient, kind: str, subject: str, body: str, *, cause: int, urgent: bool = False) -> None:
        self._outbox.append((
            activity.SEND_NOTIFICATION,
            SendNotificationInput(idempotency_key=self._key(cause, recipient.value), participant_id=self.s.participant_id, recipient=recipient, kind=kind, subject=subject, body=body, urgent=urgent),
        ))

    def _report_dlt_outcome(self, dlt_found: bool, description: str | None) -> None:
        """The trial counts this participant as DLT-evaluable from here on."""
        outcome = RecordDltOutcomeInput(participant_id=self.s.participant_id, dlt=dlt_found, description=description)
        self._outbox.append((activity.REPORT_DLT_OUTCOME, ReportDltOutcomeInput(trial_workflow_id=trial_workflow_id(self.s.protocol.trial_id), protocol=self.s.protocol, outcome=outcome)))

    def _report_sae_clock(self, clock: SaeClock, status: str) -> None:
        message = RecordSaeClockInput(participant_id=self.s.participant_id, ae_id=clock.ae_id, clock=clock.clock, due_at=clock.due_at, status=status)
        self._outbox.append((activity.REPORT_SAE_CLOCK, ReportSaeClockInput(trial_workflow_id=trial_workflow_id(self.s.protocol.trial_id), protocol=self.s.protocol, clock=message)))

    def _key(self, sequence: int, purpose: str) -> str:
        return f"{workflow.info().workflow_id}:{sequence}:{purpose}"

    def _stage_entered_at(self) -> datetime:
        return self.s.stage_entered_at or workflow.now()

    def _start_biopsy_attempt(self, collect_by: datetime) -> None:
        now = workflow.now()
        self.s.biopsies.append(BiopsyAttempt(attempt=len(self.s.biopsies) + 1, started_at=now, collect_by=max(collect_by, now)))
        self._enter(Stage.BIOPSY)

    def _reschedule_milestones(self, biopsy: BiopsyAttempt, since: datetime) -> None:
        expected = {spec.name: spec.expected_days for spec in self.s.protocol.manufacturing.milestones}
        cursor = since
        for milestone in biopsy.milestones:
            if milestone.occurred_at is None:
                cursor += timedelta(days=expected[milestone.milestone.value])
                milestone.expected_by = cursor

    def _manufacturing_progress(self) -> tuple[Any, ...]:
        biopsy = self.s.current_biopsy
        done = sum(1 for m in biopsy.milestones if m.occurred_at is not None)
        return (self.s.stage, len(self.s.biopsies), done, biopsy.failed, self.s.awaiting_decision)

    def _manufacturing_failed(self, failure_code: str, cause: int) -> None:
        biopsy = self.s.current_biopsy
        biopsy.failed, biopsy.failure_code = True, failure_code
        self.s.awaiting_decision = True
        self._emit(EventType.MANUFACTURING_FAILED, {"attempt": biopsy.attempt, "failure_code": failure_code}, summary=f"Manufacturing failed: {failure_code}")
        self._escalate(Recipient.SUPERVISOR, "manufacturing_failed", f"Manufacturing failed ({failure_code}) for biopsy attempt {biopsy.attempt}: decide re-biopsy or off-study")

    def _release_product(self, inp: RecordManufacturingMilestoneInput, cause: int) -> None:
        qc = inp.release_qc
        failures = release_failures(self.s.protocol.manufacturing.release, sterility_negative=qc.sterility_negative, mycoplasma_negative=qc.mycoplasma_negative, endotoxin_eu_per_ml=qc.endotoxin_eu_per_ml, viability_percent=qc.viability_percent, cd56_cd3neg_purity_percent=qc.cd56_cd3neg_purity_percent)
        consent = self.s.consent
        plan = plan_dose(consent.height_cm, consent.weight_kg, self.s.protocol.dosing)
        if not product_sufficient(plan, qc.viable_cells_total):
            failures.append(f"{qc.viable_cells_total:.3g} viable cells is less than the planned total {plan.total_cells:.3g}")
        self.s.current_biopsy.release_qc = qc
        if failures:
            self._manufacturing_failed("release_qc: " + "; ".join(failures), cause)
            return
        self.s.dose_plan = plan
        self._emit(EventType.DOSE_PLANNED, plan.model_dump(mode="json"), summary=f"Dose plan: {plan.cells_per_infusion:.3g} cells x {plan.infusion_count}")
        self.s.released_at = inp.occurred_at
        self._emit(EventType.PRODUCT_RELEASED, {"sample_id": inp.sample_id}, summary="Product released")
        first = max(inp.occurred_at, workflow.now()) + timedelta(days=self.s.protocol.infusions.days_from_release_to_first_infusion)
        self._enter(Stage.INFUSION)
        self._plan_infusion(first)

    def _plan_infusion(self, target: datetime) -> None:
        window = timedelta(days=self.s.protocol.infusions.window_days)
        self.s.infusions.append(InfusionRecord(number=len(self.s.infusions) + 1, target_at=target, window_start=target - window, window_end=target + window))

    def _discontinue_infusions(self, reason: str) -> None:
        self.s.infusions_discontinued, self.s.discontinuation_reason = True, reason
        cause = self._emit(EventType.INFUSIONS_DISCONTINUED, {"reason": reason, "infusions_given": self.s.infusions_given}, summary=f"Infusions discontinued: {reason}")
        self._notify(Recipient.SUPERVISOR, "infusions_discontinued", "Infusions discontinued", f"Further infusions stopped: {reason}.", cause=cause, urgent=True)

    def _ae_grade(self, inp: RecordAdverseEventInput) -> int:
        if inp.category is AeCategory.CRS:
            c = inp.crs
            return ctcae.grade_crs(c.temperature_c, c.hypotension, c.vasopressors, c.oxygen_l_per_min, c.oxygen_by_facemask, c.positive_pressure_ventilation)
        if inp.category is AeCategory.ICANS:
            i = inp.icans
            return ctcae.grade_icans(i.ice_score, i.unarousable, i.seizure_over_5_minutes)
        return inp.grade

    def _in_dlt_window(self, at: datetime) -> bool:
        first = self.s.first_infusion_at
        if first is None or at < first:
            return False
        return self.s.dlt_window_ends_at is None or at <= self.s.dlt_window_ends_at

    def _check_dlt(self, ae: AdverseEventRecord) -> None:
        if self.s.dlt or not self._in_dlt_window(ae.onset_at):
            return
        related = ae.attribution.at_least_possibly_related
        is_dlt = dlt.is_dlt_event(ae.category.value, ae.grade, related, self.s.protocol.dlt)
        if not is_dlt and ae.category is AeCategory.HAEMATOLOGICAL and ae.grade == 4 and ae.resolved_at is not None:
            is_dlt = dlt.haematological_dlt(ae.onset_at, ae.resolved_at, self.s.protocol.dlt)
        if is_dlt:
            ae.is_dlt = True
            self._record_dlt(f"grade {ae.grade} {ae.term} ({ae.ae_id}, {ae.attribution.value})")

    def _track_haematological_labs(self, inp: RecordLabResultsInput, grades: dict[str, int]) -> None:
        for result in inp.results:
            if result.code not in HAEMATOLOGICAL_LABS or self.s.dlt or not self._in_dlt_window(result.collected_at):
                continue
            if grades.get(result.code.value) == 4:
                since = self.s.haematological_grade4_since.setdefault(result.code.value, result.collected_at)
                if dlt.haematological_dlt(since, result.collected_at, self.s.protocol.dlt):
                    self._record_dlt(f"grade 4 {result.code.value} from {since.date()} to {result.collected_at.date()}")
            else:
                self.s.haematological_grade4_since.pop(result.code.value, None)

    def _record_dlt(self, description: str) -> None:
        self.s.dlt, self.s.dlt_description = True, description
        cause = self._emit(EventType.DLT_DETECTED, {"description": description, "infusions_given": self.s.infusions_given}, summary=f"DLT: {description}")
        for recipient in (Recipient.SAFETY_MONITOR, Recipient.SUPERVISOR):
            self._notify(recipient, "dlt", f"DLT for {self.s.participant_id}", f"Dose-limiting toxicity: {description}. Further infusions are stopped.", cause=cause, urgent=True)
        self._report_dlt_outcome(True, description)

    def _start_sae_clocks(self, ae: AdverseEventRecord, cause: int) -> None:
        cfg = self.s.protocol.sae
        now = workflow.now()
        wanted = [("sponsor_24h", timedelta(hours=cfg.sponsor_notification_hours))]
        if ae.unexpected and ae.attribution.at_least_possibly_related:
            if ae.grade >= 4:
                wanted.append(("susar_7d", timedelta(days=cfg.susar_fatal_or_life_threatening_days)))
            else:
                wanted.append(("susar_15d", timedelta(days=cfg.susar_other_days)))
        for name, limit in wanted:
            if any(c.ae_id == ae.ae_id and c.clock.startswith(name[:5]) for c in self.s.sae_clocks):
                continue
            clock = SaeClock(ae_id=ae.ae_id, clock=name, started_at=now, due_at=now + limit)
            self.s.sae_clocks.append(clock)
            self._report_sae_clock(clock, "open")
            seq = self._emit(EventType.SAE_CLOCK_STARTED, {"ae_id": ae.ae_id, "clock": name, "due_at": clock.due_at.isoformat()}, summary=f"SAE clock {name} for {ae.ae_id} due {clock.due_at.isoformat()}")
            self._notify(Recipient.SUPERVISOR, "sae_clock_started", f"SAE {ae.ae_id}: {name} report due", f"Report {ae.ae_id} ({name}) by {clock.due_at.isoformat()}.", cause=seq, urgent=True)

    def _complete_toxicity_checks(self, inp: RecordLabResultsInput) -> None:
        window = timedelta(days=self.s.protocol.infusions.toxicity_check_window_days)
        for check in self.s.toxicity_checks:
            if check.completed_at is not None or check.missed:
                continue
            if any(check.due_at - window <= r.collected_at <= check.window_end for r in inp.results):
                check.completed_at = max(r.collected_at for r in inp.results)
                self._emit(EventType.TOXICITY_CHECK_COMPLETED, {"infusion_number": check.infusion_number, "day": check.day}, summary=f"Toxicity check day +{check.day} done")

    def _record_response(self, response: ResponseCategory, scanned_at: datetime, cause: int) -> None:
        self.s.response, self.s.response_scan_at = response, scanned_at
        self._emit(EventType.RESPONSE_ASSESSED, {"response": response.value}, summary=f"Week-8 response {response.value}")
        if response in (ResponseCategory.CR, ResponseCategory.PR):
            self.s.confirmation_due_at = scanned_at + timedelta(weeks=self.s.protocol.response.confirmation_min_weeks)
        else:
            self.s.confirmed_response = response
        if response is ResponseCategory.PD:
            self._document_progression(scanned_at)

    def _record_confirmation(self, second: ResponseCategory, scanned_at: datetime, cause: int) -> None:
        confirmed = ResponseCategory(recist.confirmed_response(self.s.response.value, second.value, True))
        self.s.confirmed_response = confirmed
        confirmed_type = EventType.RESPONSE_CONFIRMED if confirmed is self.s.response else EventType.RESPONSE_NOT_CONFIRMED
        self._emit(confirmed_type, {"response": self.s.response.value, "confirmation": second.value, "confirmed_response": confirmed.value}, summary=f"Confirmed response {confirmed.value}")
        if second is ResponseCategory.PD:
            self._document_progression(scanned_at)

    def _record_follow_up_scan(self, response: ResponseCategory, scanned_at: datetime, cause: int) -> None:
        cycle = self.s.follow_up[-1]
        cycle.assessed_at, cycle.response = scanned_at, response
        self._emit(EventType.FOLLOW_UP_ASSESSMENT_RECORDED, {"cycle": cycle.cycle, "response": response.value}, summary=f"Follow-up {cycle.cycle}: {response.value}")
        if not cycle.window_start <= scanned_at <= cycle.window_end:
            self._deviation(f"Follow-up assessment {cycle.cycle} done outside its window ({cycle.window_start.date()} to {cycle.window_end.date()})")
        if response is ResponseCategory.PD:
            self._document_progression(scanned_at)

    def _document_progression(self, at: datetime) -> None:
        self.s.progression_at = at
        self._emit(EventType.PROGRESSION_DOCUMENTED, {"at": at.isoformat()}, occurred_at=at, summary="Progression documented (RECIST PD)")

    def _eligibility(self) -> EligibilityResult:
        consent, a = self.s.consent, self.s.eligibility_assessment

        def lab(code: LabCode) -> LabValue | None:
            result = self.s.labs.get(code.value)
            if result is None:
                return None
            return LabValue(value=result.value, collected_on=result.collected_at.date(), upper_limit_normal=result.upper_limit_normal)

        facts = ScreeningFacts(
            sex=consent.sex.value,
            age_years=consent.age_at_consent(),
            advanced_breast_cancer=a.advanced_breast_cancer if a else None,
            progressed_on_chemo_or_radiotherapy=a.progressed_on_chemo_or_radiotherapy if a else None,
            metastasis_count=a.metastasis_count if a else None,
            metastasis_site=a.metastasis_site.value if a and a.metastasis_site else None,
            metastasis_measurable=a.metastasis_measurable if a else None,
            active_uncontrolled_infection=a.active_uncontrolled_infection if a else None,
            other_unrelated_cancer=a.other_unrelated_cancer if a else None,
            assessed_on=a.assessed_at.date() if a else None,
            creatinine_mg_dl=lab(LabCode.CREATININE),
            spo2_percent=lab(LabCode.SPO2),
            alt_u_l=lab(LabCode.ALT),
            ast_u_l=lab(LabCode.AST),
        )
        ranges = self.s.protocol.reference_ranges
        return evaluate_eligibility(facts, workflow.now().date(), self.s.protocol.eligibility, ranges.alt_uln_u_l, ranges.ast_uln_u_l)

    # ------------------------------------------------------------------ side effects

    async def _call(self, name: str, arg: Any, result_type: type) -> Any:
        return await workflow.execute_activity(name, arg, result_type=result_type, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY)

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
                self._emit(EventType.ESCALATION_RAISED, {"recipient": Recipient.SITE_STAFF.value, "kind": "service_refused", "message": message}, summary=message)
            else:
                self._escalate(Recipient.SITE_STAFF, "service_refused", message)
            return None

    async def _order_labs(self, codes: tuple[LabCode, ...], purpose: str, due_by: datetime, *, cause: int | None = None) -> None:
        cause = cause if cause is not None else self.s.stage_entered_sequence
        order = OrderLabsInput(idempotency_key=self._key(cause, f"labs-{purpose}"), participant_id=self.s.participant_id, codes=list(codes), purpose=purpose, due_by=due_by)
        receipt = await self._call_service(activity.ORDER_LABS, order, LabOrderReceipt, f"Lab order {purpose}")
        if receipt is not None:
            self._emit(EventType.LABS_ORDERED, {"order_id": receipt.order_id, "codes": [c.value for c in codes], "purpose": purpose, "due_by": due_by.isoformat()}, summary=f"Labs ordered: {purpose}")

    async def _book(self, kind: AppointmentKind, earliest: date, latest: date, *, preferred: date | None = None, cause: int | None = None) -> None:
        cause = cause if cause is not None else self.s.stage_entered_sequence
        request = BookAppointmentInput(idempotency_key=self._key(cause, f"book-{kind.value}"), participant_id=self.s.participant_id, kind=kind, earliest=earliest, latest=max(latest, earliest), preferred=preferred or earliest)
        booking = await self._call_service(activity.BOOK_APPOINTMENT, request, AppointmentBooking, f"Booking {kind.value} between {earliest} and {request.latest}")
        if booking is not None:
            self._emit(EventType.APPOINTMENT_BOOKED, {"appointment_id": booking.appointment_id, "kind": kind.value, "day": booking.day.isoformat()}, summary=f"{kind.value} booked for {booking.day}")

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
                        raise RuntimeError(f"event store refused events {batch[0].sequence}-{batch[-1].sequence}: {err.cause}") from err
                if self._outbox:
                    name, message = self._outbox.pop(0)
                    if name == activity.SEND_NOTIFICATION:
                        await self._call_service(name, message, NotificationReceipt, f"Notification {message.kind} to {message.recipient.value}")
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
