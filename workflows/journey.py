"""ParticipantJourneyWorkflow: one durable workflow per participant, consent to end of follow-up.

The workflow is a thin shell around the journey core (`itc.journey`), which decides
everything: what to record, what to ask of the outside world, and until when to
wait. The shell holds what only Temporal can do: the run loop (read `run` from top
to bottom: the protocol's stages in order), the Updates and signals that deliver
staff actions (each one core call), the queries, and the waiting. Every wait goes
through `_wait`, which also flushes events to the event store, sends queued
notifications and reports, runs the background clocks (toxicity checks, SAE
clocks, the DLT window) and stops the journey on withdrawal, death, progression or
an off-study decision.

The await structure here is what committed histories replay against: the same
timers at the same points and the same activities in the same order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError

from activities import names
from activities.heartbeats import HEARTBEAT_TIMEOUT
from activities.journey_activities import JourneyActivities
from activities.trial_reports import TrialReportActivities
from itc.journey import (
    adverse_events,
    background,
    baseline,
    bedside,
    biopsy,
    custody,
    custody_checks,
    decisions,
    endings,
    follow_up,
    infusion,
    labs,
    new_therapy,
    notices,
    requests,
    response,
    sae_clocks,
    scans,
    screening,
    services,
    slots,
    status,
    store_rejections,
    validators,
)
from itc.journey.amendments import (
    BAG_DISCARD_DECISION,
    ENDOTOXIN_DOSE_AWARE_LIMIT,
    PFS_FDA_2018_CENSORING,
    RECIST_OVERALL_RESPONSE,
    SUSAR_UPGRADE_CLOCK,
)
from itc.journey.commands import (
    BookAppointment,
    CancelAppointments,
    Command,
    OrderLabs,
    QueuedCommand,
    ReportDltOutcome,
    SendNotification,
)
from itc.journey.journal import already_applied
from itc.journey.moment import Moment
from itc.journey.outcome import ActionOutcome, Outcome
from itc.journey.refusals import NOT_ALLOWED_NOW, Refusal
from itc.models.activity_inputs import AppendEventsInput
from itc.models.custody import RecordBedsideVerificationInput, RecordCustodyHandoffInput, RecordQualityDecisionInput
from itc.models.enums import EventType, Stage
from itc.models.events import JourneyEvent
from itc.models.identity import ActorAssertion
from itc.models.inputs import (
    ActionAccepted,
    RecordAdverseEventInput,
    RecordBiopsyCollectedInput,
    RecordDeathInput,
    RecordEligibilityAssessmentInput,
    RecordInfusionAdministeredInput,
    RecordLabResultsInput,
    RecordManufacturingMilestoneInput,
    RecordNewAnticancerTherapyInput,
    RecordRefusedActionInput,
    RecordScanResultInput,
    RecordSupervisorDecisionInput,
    RecordWithdrawalInput,
    StaffAction,
)
from itc.models.roles import Action
from itc.models.state import (
    FollowUpCycle,
    InfusionRecord,
    JourneyState,
    JourneyStatus,
    StartJourneyInput,
    TimelineEntry,
)
from itc.models.trial import SetTrialPauseInput
from workflows import search_attributes as sa
from workflows.rejections import admit, rejection, require_verified_actor

# Patch IDs of in-flight behaviour changes (see README, "Changing a running journey"); the
# clinical-rule amendments are named in itc.journey.amendments, where the core reads them.
REBOOK_INFUSION_AFTER_HOLD = "rebook-infusion-after-hold"
# Any stage continues as new, resuming where it was in the new run, when the history guard trips.
HISTORY_GUARD = "history-guard-in-any-stage"
FULL_TOXICITY_GRADING = "full-toxicity-grading"
STAND_IN_FOR_A_REFUSED_EVENT = "stand-in-for-a-refused-event"
CHAIN_OF_CUSTODY = "chain-of-custody"
# A manufacturing slot reserved at eligibility, the biopsy booked in its week, released on every way out.
MANUFACTURING_SLOTS = "manufacturing-slots"
# A slot whose week ended while baseline ran is moved to a week the biopsy can make, before booking it.
SLOT_WEEK_FOLLOWS_BIOPSY = "slot-week-follows-biopsy"

ACTIVITY_TIMEOUT = timedelta(seconds=30)
# Services come back eventually; the journey must never lose an action, so retry without limit.
ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=list(names.NON_RETRYABLE_ERROR_TYPES),
)

ActionT = TypeVar("ActionT", bound=StaffAction)
ArgT = TypeVar("ArgT")
ResultT = TypeVar("ResultT")


class JourneyInterrupted(Exception):
    """Withdrawal, death, progression or an off-study decision: stop wherever the journey is."""


@workflow.defn
class ParticipantJourneyWorkflow:
    @workflow.init
    def __init__(self, input: StartJourneyInput) -> None:
        self.state: JourneyState = input.journey_state()
        # Decided once per run, before any handler grades: a journey (or run) started before this
        # patch keeps the earlier grading, so its history replays; later runs grade in full.
        full_grading = workflow.patched(FULL_TOXICITY_GRADING)
        self.state.full_toxicity_grading = self.state.full_toxicity_grading or full_grading
        self._unsent_events: list[JourneyEvent] = []
        # Notifications and reports, queued by handlers and stages and sent, in order, by the main loop.
        self._outbox: list[QueuedCommand] = []
        self._flush_lock = asyncio.Lock()
        self._published_next_due: tuple[str, datetime] | None = None
        self._published_search_attributes: tuple[Any, ...] | None = None
        # Set by the engine's trust interceptor while an Update's validator runs, once it has
        # checked the sender's signed assertion.
        self.verified_actor: ActorAssertion | None = None
        if input.carried_state is None:
            # Here, not in run(): an Update delivered with the start runs before run() does,
            # and consent must be event 1.
            self._apply(screening.record_consent(self.state, self._moment()))
            # Journeys enrolled before chain-of-custody tracking keep their paper records and replay.
            if workflow.patched(CHAIN_OF_CUSTODY):
                self._apply(custody.assign_chain_of_identity(self.state, self._moment()))

    # ------------------------------------------------------------------ the journey

    @workflow.run
    async def run(self, input: StartJourneyInput) -> JourneyStatus:
        try:
            while not self.state.stage.is_terminal:
                if self.state.stage is Stage.SCREENING:
                    await self._screen()
                elif self.state.stage is Stage.BASELINE:
                    await self._collect_baseline()
                elif self.state.stage is Stage.BIOPSY:
                    await self._collect_biopsy()
                elif self.state.stage is Stage.MANUFACTURING:
                    await self._await_manufacturing()
                elif self.state.stage is Stage.INFUSION:
                    await self._infuse()
                elif self.state.stage is Stage.RESPONSE_ASSESSMENT:
                    await self._assess_response()
                elif self.state.stage is Stage.FOLLOW_UP:
                    await self._follow_up_cycle()
                    if not self.state.stage.is_terminal:
                        await self._continue_as_new()
        except JourneyInterrupted:
            await self._stop_on_interruption()
        if slots.release_due(self.state):
            # Any other way out before a product was made (a screen failure) frees the slot too.
            await self._release_slot(self.state.stage.value)
        await self._settle_open_clocks()
        return status.build_status(self.state)

    async def _screen(self) -> None:
        resumed_at = self._resumed_mid_stage_at()
        # Reminders due before a mid-stage continue-as-new were sent by the run before.
        reminders = [
            r for r in screening.reminders(self.state, workflow.now()) if resumed_at is None or r[0] > resumed_at
        ]
        if resumed_at is None:
            await self._perform(screening.begin(self.state, self._moment()))
            self.state.stage_begun_sequence = self.state.stage_entered_sequence
        while not await self._wait(
            lambda: screening.is_complete(self.state, workflow.now().date()),
            until=reminders[0][0] if reminders else None,
            resumable=True,
        ):
            _, recipient = reminders.pop(0)
            self._apply(screening.remind(self.state, self._moment(), recipient))
        self._apply(screening.conclude(self.state, self._moment()))

    async def _collect_baseline(self) -> None:
        resumed_at = self._resumed_mid_stage_at()
        remind_at = baseline.remind_at(self.state, workflow.now())
        # Eligible: ask for a manufacturing slot now; with none free she queues, and the biopsy
        # stage waits for one.
        if resumed_at is None and self._tracks_slots():
            await self._reserve_slot()
        if resumed_at is None:
            plan = baseline.begin(self.state, self._moment())
            await self._perform(plan)
            remind_at = plan.wake_at or remind_at
        # The run before continued as new after the reminder was due only once it had sent it.
        reminded = resumed_at is not None and resumed_at >= remind_at
        if reminded or not await self._wait(lambda: baseline.is_complete(self.state), until=remind_at, resumable=True):
            if not reminded:
                self._apply(baseline.overdue(self.state, self._moment()))
            await self._wait(lambda: baseline.is_complete(self.state), resumable=True)
        self._apply(baseline.complete(self.state, self._moment()))

    async def _collect_biopsy(self) -> None:
        if self._resumed_mid_stage_at() is None:
            # The biopsy is booked only with a slot held: in the slot's week.
            if self._tracks_slots():
                if slots.week_passed(self.state, workflow.now().date()) and workflow.patched(SLOT_WEEK_FOLLOWS_BIOPSY):
                    await self._move_slot()
                await self._hold_slot()
            await self._perform(biopsy.begin_collection(self.state, self._moment()))
        deadline = biopsy.collection_deadline(self.state)
        if deadline is not None and not await self._wait(
            lambda: biopsy.is_collected(self.state), until=deadline, resumable=True
        ):
            self._apply(biopsy.collection_overdue(self.state, self._moment()))
        await self._wait(lambda: biopsy.is_collected(self.state), resumable=True)
        self._apply(biopsy.dispatch_sample(self.state, self._moment()))

    async def _await_manufacturing(self) -> None:
        while self.state.stage is Stage.MANUFACTURING:
            if slots.run_failed_with_slot(self.state):
                await self._release_slot("manufacturing_failed")
            progress = biopsy.progress(self.state)
            if await self._wait(
                lambda: biopsy.progress(self.state) != progress,  # noqa: B023 (awaited within the iteration)
                until=biopsy.next_deadline(self.state),
                resumable=True,
            ):
                continue
            self._apply(biopsy.check_deadlines(self.state, self._moment()))

    async def _infuse(self) -> None:
        while not infusion.stopped(self.state):
            planned = infusion.next_infusion(self.state)
            if planned is None:
                break
            if not planned.prepared:
                opens = infusion.check_opens(self.state, planned)
                # A re-made bag moves its infusion: wait for the new window, not the old one.
                if await self._wait(
                    lambda: infusion.stopped(self.state) or infusion.check_opens(self.state, planned) != opens,  # noqa: B023
                    until=opens,
                    resumable=True,
                ):
                    continue
                await self._perform(infusion.prepare(self.state, self._moment(), planned))
                continue
            await self._watch_pending_infusion(planned)
        self._apply(infusion.finish(self.state, self._moment()))

    async def _watch_pending_infusion(self, planned: InfusionRecord) -> None:
        """Wait for the infusion, holding it while a toxicity is unresolved, up to the limit."""
        review = infusion.review_hold(self.state, self._moment(), planned)
        self._apply(review.outcome)
        # Amendment: the chair booked for the original window is stale after a hold, so book
        # one in the new window. Journeys whose history predates this replay without it.
        if review.rebooking is not None and workflow.patched(REBOOK_INFUSION_AFTER_HOLD):
            await self._request(review.rebooking)
        if review.discontinued:
            return
        held = review.held
        await self._wait(
            lambda: infusion.hold_changed(self.state, planned, held, workflow.now()),
            until=review.wake_at,
            resumable=True,
        )

    async def _assess_response(self) -> None:
        await self._perform(response.prepare(self.state, self._moment()))
        if not await self._wait(
            lambda: response.has_response(self.state), until=response.scan_deadline(self.state), resumable=True
        ):
            self._apply(response.scan_missed(self.state, self._moment()))
        confirm_by = response.confirmation_deadline(self.state)
        if confirm_by is not None and not await self._wait(
            lambda: response.is_confirmed(self.state), until=confirm_by, resumable=True
        ):
            self._apply(response.confirmation_missed(self.state, self._moment(RECIST_OVERALL_RESPONSE)))
        self._apply(response.finish(self.state, self._moment()))

    async def _follow_up_cycle(self) -> None:
        """One CT and visit; the run continues as new after each."""
        cycle = follow_up.next_cycle(self.state)
        if cycle is None:
            await self._wait(lambda: False, until=follow_up.ends_at(self.state), resumable=True)
            self._apply(follow_up.complete(self.state, self._moment(PFS_FDA_2018_CENSORING)))
            return
        if not cycle.opened:
            await self._wait(lambda: _assessed(cycle), until=cycle.window_start, resumable=True)
            await self._perform(follow_up.open_cycle(self.state, self._moment(), cycle))
        if not await self._wait(lambda: _assessed(cycle), until=cycle.window_end, resumable=True):
            self._apply(follow_up.cycle_missed(self.state, self._moment(), cycle))
        await self._flush()

    async def _continue_as_new(self) -> None:
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._flush()
        if endings.interruption(self.state) is not None:
            raise JourneyInterrupted()
        self.state.run_count += 1
        workflow.continue_as_new(StartJourneyInput.continuing(self.state))

    def _history_guard_tripped(self) -> bool:
        info, guard = workflow.info(), self.state.history_guard
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() >= guard.max_events
            or info.get_current_history_size() >= guard.max_bytes
        )

    def _resumed_mid_stage_at(self) -> datetime | None:
        """When the run before continued as new in this very stage, or None when the stage starts here."""
        if self.state.stage_begun_sequence != self.state.stage_entered_sequence:
            return None
        return self.state.guard_continued_at

    async def _continue_mid_stage(self) -> None:
        """Continue as new where the journey is, its state whole: every deadline up to now was
        handled (the wait reaches the guard only then), queued events and messages are flushed,
        and in-flight Updates finish first."""
        self.state.guard_continued_at = workflow.now()
        # A resumable wait is reached only after the stage's opening orders and bookings were
        # made (by this run or one before), so the new run must not make them again.
        self.state.stage_begun_sequence = self.state.stage_entered_sequence
        workflow.logger.info("history guard: continuing as new in %s", self.state.stage.value)
        await self._continue_as_new()

    async def _stop_on_interruption(self) -> None:
        reason = endings.interruption(self.state)
        assert reason is not None
        if slots.release_due(self.state):
            await self._release_slot(reason)
        cancel = endings.cancellation(self.state, self._moment(), reason)
        cancelled = await self._execute(JourneyActivities.cancel_appointments, cancel.request)
        self._apply(endings.stop(self.state, self._moment(PFS_FDA_2018_CENSORING), reason, cancelled))

    # ------------------------------------------------------------------ manufacturing slots (a saga)

    def _tracks_slots(self) -> bool:
        """Journeys past eligibility before slots were tracked replay without them."""
        slot = self.state.manufacturing_slot
        if not slot.adopted and workflow.patched(MANUFACTURING_SLOTS):
            slot.adopted = True
        return slot.adopted

    async def _reserve_slot(self) -> bool:
        """Ask once; True when a slot is held. With none free the participant queues."""
        if not slots.needs_slot(self.state):
            return True
        request = slots.reservation(self.state, self._moment())
        await self._flush()
        try:
            answer = await self._execute(JourneyActivities.reserve_manufacturing_slot, request)
        except ActivityError as err:
            self._service_refusal(err, names.RESERVE_MANUFACTURING_SLOT)
            self._apply(slots.no_slot_free(self.state, self._moment()))
            return False
        self._apply(slots.reserved(self.state, self._moment(), answer))
        return True

    async def _hold_slot(self) -> None:
        """Wait in the queue, looking again at intervals, until a slot is held (durable: a timer)."""
        while not await self._reserve_slot():
            await self._wait(lambda: False, until=slots.next_look(workflow.now()))

    async def _move_slot(self) -> None:
        """Take a slot in a week the biopsy can make and free the passed one, in one service call,
        so she never holds none while one is free; with none free, free the passed one and queue."""
        request = slots.move(self.state, self._moment())
        await self._flush()
        try:
            answer = await self._execute(JourneyActivities.reserve_manufacturing_slot, request)
        except ActivityError as err:
            self._service_refusal(err, names.RESERVE_MANUFACTURING_SLOT)
            await self._release_slot(slots.WEEK_PASSED)
            return
        self._apply(slots.moved(self.state, self._moment(), answer))

    async def _release_slot(self, reason: str) -> None:
        """The compensation: free the slot of a run that will not happen."""
        await self._flush()
        request = slots.release(self.state, self._moment(), reason)
        try:
            answer = await self._execute(JourneyActivities.release_manufacturing_slot, request)
        except ActivityError as err:
            # Never go on as if the slot were freed: fail the task so the journey retries visibly.
            raise RuntimeError(f"{names.RELEASE_MANUFACTURING_SLOT} failed: {err.cause}") from err
        self._apply(slots.released(self.state, self._moment(), answer, reason))

    async def _settle_open_clocks(self) -> None:
        """An SAE reported on the last day still needs its clock; finish only when none is pending."""
        await self._wait(lambda: sae_clocks.settled(self.state))
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._flush()

    # ------------------------------------------------------------------ waiting

    async def _wait(
        self, condition: Callable[[], bool], until: datetime | None = None, resumable: bool = False
    ) -> bool:
        """Wait for `condition` or `until`; True when the condition held. Raises on interruption.

        In a `resumable` wait (the stage resumes where it was in a new run) the history guard
        may continue the journey as new instead of waiting on."""
        while True:
            await self._flush()
            self._apply(background.run_clocks(self.state, self._moment()))
            if self._unsent_events or self._outbox:
                continue
            if endings.interruption(self.state) is not None:
                raise JourneyInterrupted()
            if condition():
                return True
            now = workflow.now()
            if until is not None and now >= until:
                return False
            if resumable and self._history_guard_tripped() and workflow.patched(HISTORY_GUARD):
                await self._continue_mid_stage()
            wake_at = min((t for t in (until, background.next_deadline(self.state)) if t is not None), default=None)
            try:
                await workflow.wait_condition(
                    lambda: (
                        bool(self._unsent_events or self._outbox)
                        or endings.interruption(self.state) is not None
                        or condition()
                    ),
                    timeout=(wake_at - now) if wake_at is not None else None,
                )
            except TimeoutError:
                pass

    # ------------------------------------------------------------------ staff actions (Updates)

    @workflow.update
    def record_lab_results(self, inp: RecordLabResultsInput) -> ActionAccepted:
        return self._act(inp, labs.record)

    @record_lab_results.validator
    def _validate_lab_results(self, inp: RecordLabResultsInput) -> None:
        self._check(inp, Action.LAB_RESULTS, validators.validate_lab_results)

    @workflow.update
    def record_eligibility_assessment(self, inp: RecordEligibilityAssessmentInput) -> ActionAccepted:
        return self._act(inp, screening.record_assessment)

    @record_eligibility_assessment.validator
    def _validate_eligibility_assessment(self, inp: RecordEligibilityAssessmentInput) -> None:
        self._check(inp, Action.ELIGIBILITY, validators.validate_eligibility_assessment)

    @workflow.update
    def record_scan_result(self, inp: RecordScanResultInput) -> ActionAccepted:
        return self._act(inp, scans.record, RECIST_OVERALL_RESPONSE)

    @record_scan_result.validator
    def _validate_scan_result(self, inp: RecordScanResultInput) -> None:
        self._check(inp, Action.SCAN, validators.validate_scan_result)

    @workflow.update
    def record_biopsy_collected(self, inp: RecordBiopsyCollectedInput) -> ActionAccepted:
        return self._act(inp, custody.record_biopsy_collected)

    @record_biopsy_collected.validator
    def _validate_biopsy_collected(self, inp: RecordBiopsyCollectedInput) -> None:
        self._check(inp, Action.BIOPSY, validators.validate_biopsy_collected)
        if (blocked := slots.collection_blocked(self.state)) is not None:
            raise rejection(Refusal(NOT_ALLOWED_NOW, blocked))

    @workflow.update
    def record_manufacturing_milestone(self, inp: RecordManufacturingMilestoneInput) -> ActionAccepted:
        return self._act(inp, custody.record_milestone, ENDOTOXIN_DOSE_AWARE_LIMIT)

    @record_manufacturing_milestone.validator
    def _validate_manufacturing_milestone(self, inp: RecordManufacturingMilestoneInput) -> None:
        self._check(inp, Action.MILESTONE, validators.validate_manufacturing_milestone)
        if (blocked := custody.release_blocked(self.state, inp)) is not None:
            raise rejection(Refusal(NOT_ALLOWED_NOW, blocked))

    @workflow.update
    def record_infusion_administered(self, inp: RecordInfusionAdministeredInput) -> ActionAccepted:
        return self._act(inp, bedside.record_administered)

    @record_infusion_administered.validator
    def _validate_infusion_administered(self, inp: RecordInfusionAdministeredInput) -> None:
        self._check(inp, Action.INFUSION, validators.validate_infusion_administered)
        self._check(inp, Action.INFUSION, bedside.validate_infusion)

    @workflow.update
    def record_custody_handoff(self, inp: RecordCustodyHandoffInput) -> ActionAccepted:
        self._refuse_on_incident(custody.handoff_incident(self.state, self._moment(), inp))
        return self._act(inp, custody.record_handoff)

    @record_custody_handoff.validator
    def _validate_custody_handoff(self, inp: RecordCustodyHandoffInput) -> None:
        self._check(inp, Action.CUSTODY, custody_checks.validate_handoff)

    @workflow.update
    def record_quality_decision(self, inp: RecordQualityDecisionInput) -> ActionAccepted:
        return self._act(inp, custody.record_quality_decision, BAG_DISCARD_DECISION)

    @record_quality_decision.validator
    def _validate_quality_decision(self, inp: RecordQualityDecisionInput) -> None:
        self._check(inp, Action.QUALITY_DECISION, custody_checks.validate_quality_decision)

    @workflow.update
    def record_bedside_verification(self, inp: RecordBedsideVerificationInput) -> ActionAccepted:
        self._refuse_on_incident(bedside.verification_incident(self.state, self._moment(), inp))
        return self._act(inp, bedside.record_verification)

    @record_bedside_verification.validator
    def _validate_bedside_verification(self, inp: RecordBedsideVerificationInput) -> None:
        self._check(inp, Action.BEDSIDE, bedside.validate_verification)

    @workflow.update
    def record_adverse_event(self, inp: RecordAdverseEventInput) -> ActionAccepted:
        return self._act(inp, adverse_events.record, SUSAR_UPGRADE_CLOCK)

    @record_adverse_event.validator
    def _validate_adverse_event(self, inp: RecordAdverseEventInput) -> None:
        self._check(inp, Action.ADVERSE_EVENT, validators.validate_adverse_event)

    @workflow.update
    def record_new_anticancer_therapy(self, inp: RecordNewAnticancerTherapyInput) -> ActionAccepted:
        return self._act(inp, new_therapy.record)

    @record_new_anticancer_therapy.validator
    def _validate_new_anticancer_therapy(self, inp: RecordNewAnticancerTherapyInput) -> None:
        self._check(inp, Action.NEW_THERAPY, validators.validate_new_anticancer_therapy)

    @workflow.update
    def record_withdrawal(self, inp: RecordWithdrawalInput) -> ActionAccepted:
        return self._act(inp, endings.record_withdrawal)

    @record_withdrawal.validator
    def _validate_withdrawal(self, inp: RecordWithdrawalInput) -> None:
        self._check(inp, Action.WITHDRAWAL, validators.validate_withdrawal)

    @workflow.update
    def record_death(self, inp: RecordDeathInput) -> ActionAccepted:
        return self._act(inp, endings.record_death)

    @record_death.validator
    def _validate_death(self, inp: RecordDeathInput) -> None:
        self._check(inp, Action.DEATH, validators.validate_death)

    @workflow.update
    def record_supervisor_decision(self, inp: RecordSupervisorDecisionInput) -> ActionAccepted:
        return self._act(inp, decisions.record)

    @record_supervisor_decision.validator
    def _validate_supervisor_decision(self, inp: RecordSupervisorDecisionInput) -> None:
        self._check(inp, Action.DECISION, validators.validate_supervisor_decision)

    def _act(
        self, inp: ActionT, apply: Callable[[JourneyState, Moment, ActionT], ActionOutcome], *amendments: str
    ) -> ActionAccepted:
        """Apply a staff action once: a retry with the same request ID gets the first answer."""
        if (seen := already_applied(self.state, inp)) is not None:
            return seen
        outcome = apply(self.state, self._moment(*amendments), inp)
        self._apply(outcome)
        requests.remember(self.state, inp)
        return outcome.accepted

    def _refuse_on_incident(self, incident: custody.Incident | None) -> None:
        """A scan naming another participant or unit: record the incident (it reaches history and
        the supervisor and quality), then fail the Update with the message the person at the scanner sees."""
        if incident is not None:
            self._apply(incident.outcome)
            raise rejection(incident.refusal)

    def _check(self, inp: ActionT, kind: Action, validate: Callable[[JourneyState, ActionT, datetime], None]) -> None:
        admit(inp, kind)
        require_verified_actor(self.verified_actor)
        try:
            if (reused := requests.conflict(self.state, inp)) is not None:
                raise reused
            validate(self.state, inp, workflow.now())
        except Refusal as refusal:
            raise rejection(refusal) from None

    # ------------------------------------------------------------------ signals and queries

    @workflow.signal
    def set_trial_pause(self, inp: SetTrialPauseInput) -> None:
        """From the trial workflow: the cohort's safety boundary paused (or a supervisor resumed) infusions."""
        self._apply(notices.trial_pause_changed(self.state, self._moment(), inp))

    @workflow.signal
    def record_refused_action(self, inp: RecordRefusedActionInput) -> None:
        """From the client that was refused: the refusal goes into the audit trail like any event."""
        self._apply(notices.action_refused(self.state, self._moment(), inp))

    def refuse_signal(self, signal: str, problem: str) -> None:
        """Called by the engine's trust interceptor for a signal it ignored: it joins the audit trail."""
        self._apply(notices.signal_refused(self.state, self._moment(), signal, problem))

    @workflow.query
    def get_state(self) -> JourneyStatus:
        return status.build_status(self.state)

    @workflow.query
    def get_timeline(self) -> list[TimelineEntry]:
        return self.state.timeline

    # ------------------------------------------------------------------ from outcomes to activities

    def _moment(self, *amendments: str) -> Moment:
        """Now, in this run, with those of `amendments` this journey takes (each a workflow.patched marker)."""
        info = workflow.info()
        adopted = frozenset(amendment for amendment in amendments if workflow.patched(amendment))
        return Moment(now=workflow.now(), workflow_id=info.workflow_id, run_id=info.run_id, amendments=adopted)

    def _apply(self, outcome: Outcome) -> None:
        """Take in what the core recorded; notifications and reports join the outbox."""
        self._unsent_events.extend(outcome.events)
        for event in outcome.events:
            if event.type is EventType.STAGE_CHANGED:
                # Stage names only: the logger adds workflow and participant IDs, never PHI.
                workflow.logger.info("journey stage %s -> %s", event.payload["from"] or "start", event.payload["to"])
        for command in outcome.commands:
            if isinstance(command, OrderLabs | BookAppointment | CancelAppointments):
                raise RuntimeError(f"{type(command).__name__} must be performed by the stage that asked for it")
            self._outbox.append(command)

    async def _perform(self, outcome: Outcome) -> None:
        """Take in an outcome whose orders and bookings the stage makes now, in order."""
        requests: list[OrderLabs | BookAppointment] = []
        queued: list[Command] = []
        for command in outcome.commands:
            if isinstance(command, OrderLabs | BookAppointment):
                requests.append(command)
            else:
                queued.append(command)
        self._apply(Outcome(events=outcome.events, commands=queued))
        for request in requests:
            await self._request(request)

    async def _request(self, request: OrderLabs | BookAppointment) -> None:
        """Make an order or booking; when the service refuses for good, staff do it by hand and the journey goes on."""
        # What was recorded before this request reaches the store and the staff first.
        await self._flush()
        try:
            if isinstance(request, OrderLabs):
                receipt = await self._execute(JourneyActivities.order_labs, request.request)
                self._apply(services.labs_ordered(self.state, self._moment(), request, receipt))
            else:
                booking = await self._execute(JourneyActivities.book_appointment, request.request)
                self._apply(services.appointment_booked(self.state, self._moment(), request, booking))
        except ActivityError as err:
            what, name = (
                (services.describe_order(request), names.ORDER_LABS)
                if isinstance(request, OrderLabs)
                else (services.describe_booking(request), names.BOOK_APPOINTMENT)
            )
            refusal = self._service_refusal(err, name)
            self._apply(services.request_refused(self.state, self._moment(), what, refusal))

    async def _send(self, command: QueuedCommand) -> None:
        if isinstance(command, SendNotification):
            request = command.request
            try:
                await self._execute(JourneyActivities.send_notification, request)
            except ActivityError as err:
                refusal = self._service_refusal(err, names.SEND_NOTIFICATION)
                what = f"Notification {request.kind} to {request.recipient.value}"
                self._apply(services.notification_refused(self.state, self._moment(), what, refusal))
        elif isinstance(command, ReportDltOutcome):
            await self._execute(TrialReportActivities.report_dlt_outcome, command.request)
        else:
            await self._execute(TrialReportActivities.report_sae_clock, command.request)

    @staticmethod
    def _service_refusal(err: ActivityError, name: str) -> str:
        """The refusal's type when a service refused for good; anything else fails the task."""
        refusal = getattr(err.cause, "type", None)
        if refusal not in names.SERVICE_REFUSALS:
            raise RuntimeError(f"{name} failed: {err.cause}") from err
        return str(refusal)

    async def _execute(self, activity: Callable[[Any, ArgT], Awaitable[ResultT]], arg: ArgT) -> ResultT:
        # The append heartbeats, so an attempt lost with its worker is retried in seconds, not after
        # the start-to-close timeout (activity options are not part of what replay compares).
        heartbeat_timeout = HEARTBEAT_TIMEOUT if activity == JourneyActivities.append_events else None
        return await workflow.execute_activity_method(
            activity,
            arg,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            heartbeat_timeout=heartbeat_timeout,
            retry_policy=ACTIVITY_RETRY,
        )

    async def _flush(self) -> None:
        """Append recorded events to the event store, then send queued notifications and reports, in order."""
        async with self._flush_lock:
            self._attach_next_due()
            while self._unsent_events or self._outbox:
                if self._unsent_events:
                    batch, self._unsent_events = self._unsent_events, []
                    await self._append(batch)
                if self._outbox:
                    await self._send(self._outbox.pop(0))
            self._upsert_search_attributes()

    async def _append(self, batch: list[JourneyEvent]) -> None:
        """Append a batch; an event the store refuses as invalid data gives way to its stand-in."""
        while True:
            try:
                await self._execute(JourneyActivities.append_events, AppendEventsInput(events=batch))
                return
            except ActivityError as err:
                refused = store_rejections.refused_event(err.cause, batch)
                if refused is None or not workflow.patched(STAND_IN_FOR_A_REFUSED_EVENT):
                    # Never go on without the audit record: fail the task so the journey
                    # stops where it is, visibly, until the store is fixed.
                    raise RuntimeError(
                        f"event store refused events {batch[0].sequence}-{batch[-1].sequence}: {err.cause}"
                    ) from err
                rejected, sqlstate = refused
                stand_in, outcome = store_rejections.event_not_stored(self.state, self._moment(), rejected, sqlstate)
                batch = [stand_in if event is rejected else event for event in batch]
                self._apply(outcome)

    def _attach_next_due(self) -> None:
        """Events carry the schedule when it changes, so the read model's 'next due' is exact."""
        if not self._unsent_events:
            return
        due = status.compute_due(self.state)
        current = (due[0].action, due[0].due_at) if due and not self.state.stage.is_terminal else None
        if current != self._published_next_due:
            self._published_next_due = current
            self._unsent_events[-1].payload.update(
                next_due_action=current[0] if current else None,
                next_due_at=current[1].isoformat() if current else None,
            )

    def _upsert_search_attributes(self) -> None:
        due = status.compute_due(self.state)
        next_due = due[0].due_at if due and not self.state.stage.is_terminal else None
        values = (self.state.stage.value, self.state.consent.site, next_due, self.state.dlt)
        if values == self._published_search_attributes:
            return
        self._published_search_attributes = values
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.JOURNEY_STAGE.value_set(self.state.stage.value),
            sa.JOURNEY_SITE.value_set(self.state.consent.site),
            sa.DLT_FLAG.value_set(self.state.dlt),
            sa.NEXT_DUE_AT.value_set(next_due) if next_due else sa.NEXT_DUE_AT.value_unset(),
        ]
        workflow.upsert_search_attributes(updates)


def _assessed(cycle: FollowUpCycle) -> bool:
    return cycle.assessed_at is not None
