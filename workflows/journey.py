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
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities import names as activity
    from itc.models.activity_inputs import (
        CancelAppointmentsInput,
        CancelledAppointments,
    )
    from itc.models.enums import (
        AeCategory,
        AppointmentKind,
        EventType,
        Recipient,
        ResponseCategory,
        Stage,
    )
    from itc.models.events import JourneyEvent
    from itc.models.inputs import RecordRefusedActionInput
    from itc.models.state import (
        AdverseEventRecord,
        FollowUpCycle,
        InfusionRecord,
        JourneyState,
        JourneyStatus,
        StartJourneyInput,
        TimelineEntry,
    )
    from itc.models.trial import (
        SetTrialPauseInput,
    )
    from itc.rules import dlt, recist
    from itc.rules.eligibility import EligibilityResult, LabValue, ScreeningFacts, evaluate_eligibility
    from itc.rules.lab_catalogue import (
        BASELINE_ASSESSMENTS,
        PRE_INFUSION_LABS,
        RESPONSE_LABS,
        SCREENING_LABS,
        TOXICITY_CHECK_LABS,
        LabCode,
    )
    from workflows.journey_actions import JourneyStaffActions
    from workflows.journey_facts import (
        add_months,
        build_status,
        hold_reason,
        next_milestone,
        pending_infusion,
    )
    from workflows.journey_recording import JourneyRecording

# Patch IDs of in-flight behaviour changes (see README, "Changing a running journey").
REBOOK_INFUSION_AFTER_HOLD = "rebook-infusion-after-hold"


class JourneyInterrupted(Exception):
    """Withdrawal, death, progression or an off-study decision: stop wherever the journey is."""


@workflow.defn
class ParticipantJourneyWorkflow(JourneyStaffActions, JourneyRecording):
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
            actor_role=consent.role.value if consent.role else None,
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
            self._escalate(
                recipient,
                "screening_incomplete",
                "Screening results are still missing: " + ", ".join(self._eligibility().missing),
            )
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
        self._start_biopsy_attempt(
            collect_by=self.s.eligible_at + timedelta(days=self.s.protocol.biopsy.book_within_days_of_eligibility)
        )

    async def _collect_biopsy(self) -> None:
        biopsy = self.s.current_biopsy
        today = workflow.now().date()
        await self._book(AppointmentKind.BIOPSY, today, max(today, biopsy.collect_by.date()))
        if not biopsy.collection_escalated and not await self._wait(
            lambda: biopsy.collected_at is not None, until=biopsy.collect_by
        ):
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
            if await self._wait(lambda: self._manufacturing_progress() != progress, until=min(deadlines, default=None)):  # noqa: B023 (awaited within the iteration)
                continue
            now = workflow.now()
            if milestone is not None and not milestone.overdue_escalated and now >= milestone.expected_by:
                milestone.overdue_escalated = True
                self._emit(
                    EventType.MANUFACTURING_MILESTONE_OVERDUE,
                    {"milestone": milestone.milestone.value, "expected_by": milestone.expected_by.isoformat()},
                    summary=f"{milestone.milestone.value} overdue",
                )
                self._escalate(
                    Recipient.SUPERVISOR,
                    "milestone_overdue",
                    f"Manufacturing step {milestone.milestone.value} is overdue (expected by {milestone.expected_by.date()})",
                )
            if not biopsy.deadline_escalated and now >= biopsy.manufacturing_deadline:
                biopsy.deadline_escalated = True
                self.s.awaiting_decision = True
                self._emit(
                    EventType.MANUFACTURING_DEADLINE_PASSED,
                    {"deadline": biopsy.manufacturing_deadline.isoformat()},
                    summary="Manufacturing deadline passed",
                )
                self._escalate(
                    Recipient.SUPERVISOR,
                    "manufacturing_deadline",
                    "Manufacturing passed its overall deadline: decide re-biopsy, off-study or continue",
                )

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
                cause = self._emit(
                    EventType.INFUSION_DUE,
                    {
                        "infusion_number": infusion.number,
                        "target_at": infusion.target_at.isoformat(),
                        "window_start": infusion.window_start.isoformat(),
                        "window_end": infusion.window_end.isoformat(),
                    },
                    summary=f"Infusion {infusion.number} due {infusion.target_at.date()}",
                )
                await self._order_labs(
                    PRE_INFUSION_LABS, f"pre_infusion_{infusion.number}", infusion.target_at, cause=cause
                )
                await self._book(
                    AppointmentKind.INFUSION,
                    infusion.window_start.date(),
                    infusion.window_end.date(),
                    preferred=infusion.target_at.date(),
                    cause=cause,
                )
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
            cause = self._emit(
                EventType.INFUSION_HELD,
                {"infusion_number": infusion.number, "reason": reason},
                summary=f"Infusion {infusion.number} held: {reason}",
            )
            self._notify(
                Recipient.SUPERVISOR,
                "infusion_held",
                f"Infusion {infusion.number} held",
                f"Infusion {infusion.number} is on hold: {reason}",
                cause=cause,
            )
        elif not reason and infusion.held_since is not None:
            held_days = (now - infusion.held_since).days
            infusion.held_since, infusion.hold_reason = None, None
            infusion.target_at, infusion.window_start = now, now
            infusion.window_end = now + timedelta(days=cfg.window_days)
            released = self._emit(
                EventType.INFUSION_HOLD_RELEASED,
                {
                    "infusion_number": infusion.number,
                    "held_days": held_days,
                    "window_end": infusion.window_end.isoformat(),
                },
                summary=f"Infusion {infusion.number} hold released",
            )
            # Amendment: the chair booked for the original window is stale after a hold, so book
            # one in the new window. Journeys whose history predates this replay without it.
            if workflow.patched(REBOOK_INFUSION_AFTER_HOLD):
                await self._book(
                    AppointmentKind.INFUSION,
                    infusion.window_start.date(),
                    infusion.window_end.date(),
                    preferred=infusion.target_at.date(),
                    cause=released,
                )
        if infusion.held_since is not None and now >= infusion.held_since + timedelta(days=cfg.max_hold_days):
            self._discontinue_infusions(f"infusion {infusion.number} held longer than {cfg.max_hold_days} days")
            return
        if infusion.held_since is None and not infusion.window_escalated and now > infusion.window_end:
            infusion.window_escalated = True
            self._deviation(
                f"Infusion {infusion.number} not given within its window ending {infusion.window_end.date()}"
            )
            self._escalate(
                Recipient.SUPERVISOR, "infusion_window_missed", f"Infusion {infusion.number} missed its window"
            )
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
            await self._book(
                AppointmentKind.CT_SCAN,
                (due - timedelta(days=cfg.window_days)).date(),
                (due + timedelta(days=cfg.window_days)).date(),
                preferred=due.date(),
            )
        if not await self._wait(lambda: self.s.response is not None, until=due + timedelta(days=cfg.window_days)):
            self.s.response = self.s.confirmed_response = ResponseCategory.NE
            self._emit(
                EventType.RESPONSE_ASSESSED,
                {"response": "NE", "missed": True},
                summary="Week-8 response scan missed: NE",
            )
            self._deviation("Week-8 response assessment missed")
        if self.s.confirmation_due_at is not None and self.s.confirmed_response is None:
            window_end = self.s.confirmation_due_at + timedelta(days=cfg.confirmation_window_days)
            if not await self._wait(lambda: self.s.confirmed_response is not None, until=window_end):
                self.s.confirmed_response = ResponseCategory(
                    recist.confirmed_response(self.s.response.value, "NE", True)
                )
                self._emit(
                    EventType.RESPONSE_NOT_CONFIRMED,
                    {
                        "response": self.s.response.value,
                        "confirmed_response": self.s.confirmed_response.value,
                        "missed": True,
                    },
                    summary="Confirmation scan missed",
                )
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
            self.s.follow_up.append(
                FollowUpCycle(
                    cycle=len(self.s.follow_up) + 1, due_at=due, window_start=due - window, window_end=due + window
                )
            )
        cycle = self.s.follow_up[-1]
        if not cycle.opened:
            await self._wait(lambda: cycle.assessed_at is not None, until=cycle.window_start)
            cycle.opened = True
            cause = self._emit(
                EventType.FOLLOW_UP_ASSESSMENT_DUE,
                {"cycle": cycle.cycle, "due_at": cycle.due_at.isoformat(), "window_end": cycle.window_end.isoformat()},
                summary=f"Follow-up {cycle.cycle} due {cycle.due_at.date()}",
            )
            await self._book(
                AppointmentKind.CT_SCAN,
                cycle.window_start.date(),
                cycle.window_end.date(),
                preferred=cycle.due_at.date(),
                cause=cause,
            )
            await self._book(
                AppointmentKind.FOLLOW_UP_VISIT,
                cycle.window_start.date(),
                cycle.window_end.date(),
                preferred=cycle.due_at.date(),
                cause=cause,
            )
        if not await self._wait(lambda: cycle.assessed_at is not None, until=cycle.window_end):
            cycle.missed = True
            self._emit(
                EventType.FOLLOW_UP_ASSESSMENT_MISSED, {"cycle": cycle.cycle}, summary=f"Follow-up {cycle.cycle} missed"
            )
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
            CancelAppointmentsInput(
                idempotency_key=self._key(cause, "cancel"), participant_id=self.s.participant_id, reason=reason
            ),
            CancelledAppointments,
        )
        self._emit(
            EventType.APPOINTMENTS_CANCELLED,
            {"cancelled": cancelled.cancelled, "reason": reason},
            summary=f"{cancelled.cancelled} appointments cancelled",
        )
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
                    lambda: (
                        bool(self._unsent_events or self._outbox) or self._interruption() is not None or condition()
                    ),
                    timeout=(wake_at - now) if wake_at is not None else None,
                )
            except TimeoutError:
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
                times.append(
                    ae.onset_at + timedelta(days=self.s.protocol.dlt.haematological_min_duration_days, seconds=1)
                )
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
                        self._record_dlt(
                            f"grade 4 {ae.term} ({ae.ae_id}) lasting more than {self.s.protocol.dlt.haematological_min_duration_days} days"
                        )
            if (
                self.s.dlt_window_ends_at is not None
                and not self.s.dlt_window_closed
                and now >= self.s.dlt_window_ends_at
            ):
                self.s.dlt_window_closed = True
                self._emit(EventType.DLT_WINDOW_COMPLETED, {"dlt": self.s.dlt}, summary="DLT window completed")
                if not self.s.dlt:
                    self._report_dlt_outcome(False, None)
        for clock in self.s.sae_clocks:
            if clock.open and clock.escalated_at is None and now >= clock.due_at:
                clock.escalated_at = now
                self._report_sae_clock(clock, "escalated")
                cause = self._emit(
                    EventType.SAE_CLOCK_ESCALATED,
                    {"ae_id": clock.ae_id, "clock": clock.clock, "due_at": clock.due_at.isoformat()},
                    summary=f"SAE clock {clock.clock} for {clock.ae_id} overdue",
                )
                for recipient in (Recipient.SUPERVISOR, Recipient.SPONSOR):
                    self._notify(
                        recipient,
                        "sae_clock_overdue",
                        f"OVERDUE: {clock.clock} report for {clock.ae_id}",
                        f"The {clock.clock} report for {clock.ae_id} was due {clock.due_at.isoformat()} and is not acknowledged.",
                        cause=cause,
                        urgent=True,
                    )

    def _run_toxicity_checks(self, now: datetime) -> None:
        for check in self.s.toxicity_checks:
            if check.completed_at is not None or check.missed:
                continue
            if not check.ordered and now >= check.due_at:
                check.ordered = True
                cause = self._emit(
                    EventType.TOXICITY_CHECK_DUE,
                    {"infusion_number": check.infusion_number, "day": check.day, "due_at": check.due_at.isoformat()},
                    summary=f"Toxicity check day +{check.day} after infusion {check.infusion_number} due",
                )
                self._notify(
                    Recipient.SITE_STAFF,
                    "toxicity_check_due",
                    f"Toxicity check day +{check.day}",
                    f"Record toxicity labs ({', '.join(c.value for c in TOXICITY_CHECK_LABS)}) and any adverse events by {check.window_end.isoformat()}.",
                    cause=cause,
                )
            if check.ordered and now >= check.window_end:
                check.missed = True
                self._emit(
                    EventType.TOXICITY_CHECK_MISSED,
                    {"infusion_number": check.infusion_number, "day": check.day},
                    summary=f"Toxicity check day +{check.day} missed",
                )
                self._deviation(f"Toxicity check day +{check.day} after infusion {check.infusion_number} missed")

    def _haematological_grade4_to_time(self) -> list[AdverseEventRecord]:
        return [
            ae
            for ae in self.s.adverse_events
            if ae.category is AeCategory.HAEMATOLOGICAL
            and ae.grade == 4
            and ae.resolved_at is None
            and not ae.dlt_checked_for_duration
            and not self.s.dlt
            and self._in_dlt_window(ae.onset_at)
        ]

    @workflow.signal
    def set_trial_pause(self, inp: SetTrialPauseInput) -> None:
        """From the trial workflow: the cohort's safety boundary paused (or a supervisor resumed) infusions."""
        if self.s.stage.is_terminal or self.s.trial_paused == inp.paused:
            return
        self.s.trial_paused, self.s.trial_pause_reason = inp.paused, inp.reason if inp.paused else None
        self._emit(
            EventType.TRIAL_PAUSE_CHANGED,
            {"paused": inp.paused, "reason": inp.reason},
            actor="trial",
            summary=("Trial paused: " if inp.paused else "Trial resumed: ") + inp.reason,
        )

    @workflow.signal
    def record_refused_action(self, inp: RecordRefusedActionInput) -> None:
        """From the client that was refused: the refusal goes into the audit trail like any event."""
        payload = inp.model_dump(mode="json", exclude={"actor_id", "role"})
        self._emit(
            EventType.ACTION_REFUSED,
            payload,
            actor=inp.actor_id,
            actor_role=inp.role.value if inp.role else None,
            summary=f"Refused {inp.update}: {inp.message}",
        )

    # ------------------------------------------------------------------ queries

    @workflow.query
    def get_state(self) -> JourneyStatus:
        return build_status(self.s)

    @workflow.query
    def get_timeline(self) -> list[TimelineEntry]:
        return self.s.timeline

    def _manufacturing_progress(self) -> tuple[Any, ...]:
        biopsy = self.s.current_biopsy
        done = sum(1 for m in biopsy.milestones if m.occurred_at is not None)
        return (self.s.stage, len(self.s.biopsies), done, biopsy.failed, self.s.awaiting_decision)

    def _eligibility(self) -> EligibilityResult:
        consent, a = self.s.consent, self.s.eligibility_assessment

        def lab(code: LabCode) -> LabValue | None:
            result = self.s.labs.get(code.value)
            if result is None:
                return None
            return LabValue(
                value=result.value,
                collected_on=result.collected_at.date(),
                upper_limit_normal=result.upper_limit_normal,
            )

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
        return evaluate_eligibility(
            facts, workflow.now().date(), self.s.protocol.eligibility, ranges.alt_uln_u_l, ranges.ast_uln_u_l
        )
