"""TrialWorkflow: one long-lived entity per trial, guarding enrolment and cohort safety.

Enrolment is an Update on this workflow, which starts the participant's journey
as an abandoned child; because the workflow handles Updates one at a time up to
their first await, the cap cannot be overrun by concurrent starts. Journeys
report DLT-evaluable outcomes and SAE clocks here; when the stopping rule's
boundary is met, enrolment and every journey's infusions pause until a
supervisor resumes with a recorded reason.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from activities import names as activity
    from itc.models.activity_inputs import NotificationReceipt, RecordRefusedSignalInput, SendNotificationInput
    from itc.models.enums import Recipient, Stage
    from itc.models.identity import SIGNAL_NOT_AUTHENTICATED, SIGNAL_REPLAYED, ActorAssertion
    from itc.models.roles import Action
    from itc.models.state import StartJourneyInput
    from itc.models.trial import (
        DltOutcome,
        EnrolmentAccepted,
        EnrolParticipantInput,
        RecordDltOutcomeInput,
        RecordSaeClockInput,
        RefusedSignal,
        ResumeTrialInput,
        SetTrialPauseInput,
        StartTrialInput,
        TrialDecision,
        TrialState,
        TrialStatus,
    )
    from itc.rules.config import ProtocolConfig
    from itc.rules.stopping import decide
    from workflows import search_attributes as sa
    from workflows.journey import ParticipantJourneyWorkflow
    from workflows.rejections import NOT_ALLOWED_NOW, authorize, reject, require_verified_actor

ENROLMENT_CLOSED = "EnrolmentClosed"
UNKNOWN_PROTOCOL_VERSION = "UnknownProtocolVersion"
# Continue as new well before Temporal's limits; each enrolment or report adds a handful of events.
MAX_HANDLED_PER_RUN = 400
# Patch ID: from here on the trial accepts each journey's reports once, in the order sent.
REPLAY_PROTECTED_REPORTS = "replay-protected-reports"
REPLAYED_REPORT = "it repeats a report the trial already accepted (a replayed or re-delivered signal)"
# Patch ID: from here on each ignored signal is also written to the event store's refused_actions.
AUDITED_REFUSED_SIGNALS = "refused-signals-in-the-event-store"
# The trial's status lists the latest ignored signals; the event store keeps every one, so a
# flood of forgeries cannot grow the state the trial carries from run to run.
LISTED_REFUSED_SIGNALS = 100


@workflow.defn
class TrialWorkflow:
    @workflow.init
    def __init__(self, input: StartTrialInput) -> None:
        self.s: TrialState = input.carried_state or TrialState(protocol=input.protocol)
        self._outbox: list[SendNotificationInput] = []
        self._pause_signals: list[tuple[str, SetTrialPauseInput]] = []
        self._refusal_audits: list[RecordRefusedSignalInput] = []
        self._handled = 0
        # Set by the engine's trust interceptor while an Update's validator runs.
        self.verified_actor: ActorAssertion | None = None

    @workflow.run
    async def run(self, input: StartTrialInput) -> None:
        while True:
            await workflow.wait_condition(
                lambda: (
                    bool(self._outbox or self._pause_signals or self._refusal_audits)
                    or self._handled >= MAX_HANDLED_PER_RUN
                )
            )
            await self._deliver()
            if self._handled >= MAX_HANDLED_PER_RUN or workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                await self._deliver()
                self.s.run_count += 1
                workflow.continue_as_new(StartTrialInput(protocol=self.s.protocol, carried_state=self.s))

    # ------------------------------------------------------------------ enrolment

    @workflow.update
    async def enrol_participant(self, inp: EnrolParticipantInput) -> EnrolmentAccepted:
        participant_id = inp.consent.participant_id
        # Validators of updates delivered together all run before any handler: check again here,
        # before the first await, so the count and the reservation are one step.
        self._check_enrolment_open(participant_id)
        protocol = self._enrolment_protocol(inp)
        if protocol.version != self.s.protocol.version:
            self.s.amendments.setdefault(protocol.version, protocol)  # later enrolments name it only
        self.s.enrolled[participant_id] = workflow.now()
        position = len(self.s.enrolled)
        self._handled += 1
        workflow_id = f"journey-{participant_id}"
        try:
            await workflow.start_child_workflow(
                ParticipantJourneyWorkflow.run,
                StartJourneyInput(consent=inp.consent, protocol=protocol),
                id=workflow_id,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                # Findable by stage and site from its first moment, before its first task runs.
                search_attributes=TypedSearchAttributes(
                    [
                        SearchAttributePair(sa.JOURNEY_SITE, inp.consent.site),
                        SearchAttributePair(sa.JOURNEY_STAGE, Stage.SCREENING.value),
                    ]
                ),
            )
        except WorkflowAlreadyStartedError:
            del self.s.enrolled[participant_id]
            raise ApplicationError(
                f"Participant {participant_id} already has a journey ({workflow_id})",
                type="JourneyAlreadyExists",
                non_retryable=True,
            ) from None
        workflow.logger.info("participant enrolled (%d of %d)", position, self.s.protocol.target_enrolment)
        return EnrolmentAccepted(
            participant_id=participant_id,
            workflow_id=workflow_id,
            enrolled=position,
            target=self.s.protocol.target_enrolment,
        )

    @enrol_participant.validator
    def _validate_enrolment(self, inp: EnrolParticipantInput) -> None:
        if not isinstance(inp, EnrolParticipantInput):
            raise reject(NOT_ALLOWED_NOW, "The enrolment has no consent record: send it as one JSON object.")
        authorize(inp.consent.role, Action.START)
        require_verified_actor(self.verified_actor)
        self._check_enrolment_open(inp.consent.participant_id)
        self._enrolment_protocol(inp)

    def _enrolment_protocol(self, inp: EnrolParticipantInput) -> ProtocolConfig:
        """The configuration the journey starts under: the trial's own, or an amendment sent once."""
        if inp.protocol is not None:
            return inp.protocol
        version = inp.protocol_version
        if version is None or version == self.s.protocol.version:
            return self.s.protocol
        if version not in self.s.amendments:
            raise reject(
                UNKNOWN_PROTOCOL_VERSION,
                f"The trial runs protocol {self.s.protocol.version} and has not seen {version}: send its configuration",
            )
        return self.s.amendments[version]

    def _check_enrolment_open(self, participant_id: str) -> None:
        if participant_id in self.s.enrolled:
            raise ApplicationError(
                f"Participant {participant_id} already has a journey (journey-{participant_id})",
                type="JourneyAlreadyExists",
                non_retryable=True,
            )
        if self.s.paused:
            raise reject(ENROLMENT_CLOSED, f"Enrolment is paused: {self.s.pause_reason}")
        target = self.s.protocol.target_enrolment
        if len(self.s.enrolled) >= target:
            raise reject(
                ENROLMENT_CLOSED, f"Enrolment is full: {len(self.s.enrolled)} of {target} participants are enrolled"
            )

    # ------------------------------------------------------------------ safety

    @workflow.signal
    def record_dlt_outcome(self, inp: RecordDltOutcomeInput) -> None:
        self._handled += 1
        if not self._first_delivery("record_dlt_outcome", inp, f"{inp.participant_id}/dlt"):
            return
        if inp.participant_id in self.s.outcomes:
            return  # a retried report; each participant is evaluable once
        self.s.outcomes[inp.participant_id] = DltOutcome(
            participant_id=inp.participant_id, dlt=inp.dlt, description=inp.description, reported_at=workflow.now()
        )
        evaluable = len(self.s.outcomes)
        dlts = sum(1 for o in self.s.outcomes.values() if o.dlt)
        self.s.last_decision = decide(dlts, evaluable, self.s.protocol.safety_stopping)
        if self.s.last_decision.stop and not self.s.paused:
            self._set_pause(True, f"Safety stopping boundary met: {self.s.last_decision.explanation}", actor="system")
            for recipient in (Recipient.SUPERVISOR, Recipient.SPONSOR):
                self._notify(
                    recipient,
                    "trial_paused",
                    "Trial paused: safety stopping boundary met",
                    self.s.last_decision.explanation,
                    urgent=True,
                )

    @workflow.signal
    def record_sae_clock(self, inp: RecordSaeClockInput) -> None:
        self._handled += 1
        key = f"{inp.participant_id}/{inp.ae_id}/{inp.clock}"
        if not self._first_delivery("record_sae_clock", inp, f"{key}/{inp.status}"):
            return
        if inp.status == "acknowledged":
            self.s.sae_clocks.pop(key, None)
        else:
            self.s.sae_clocks[key] = inp.model_copy(update={"signal_mac": None})  # the MAC was for delivery only

    def _first_delivery(self, signal: str, inp: RecordDltOutcomeInput | RecordSaeClockInput, content: str) -> bool:
        """Whether this report is new; a repeat is ignored and listed. The MAC (checked before
        this) proves a worker sent the report once, not that it is sent for the first time:
        anyone who can read history or the wire can send the same signed payload again."""
        if not workflow.patched(REPLAY_PROTECTED_REPORTS):
            return True
        if inp.report_sequence is None:
            # From a journey recorded before reports were numbered: each is accepted once by what it says.
            repeated = content in self.s.unnumbered_reports
            if not repeated:
                self.s.unnumbered_reports.append(content)
        else:
            # One journey sends its reports one at a time, each after the last was delivered.
            repeated = inp.report_sequence <= self.s.report_sequences.get(inp.participant_id, 0)
            if not repeated:
                self.s.report_sequences[inp.participant_id] = inp.report_sequence
        if repeated:
            workflow.logger.warning("signal %s ignored: a repeated report", signal)
            self.refuse_signal(signal, REPLAYED_REPORT, SIGNAL_REPLAYED)
        return not repeated

    @workflow.update
    def resume_trial(self, inp: ResumeTrialInput) -> TrialStatus:
        self._handled += 1
        self._set_pause(False, inp.reason, actor=inp.actor_id)
        return self._status()

    @resume_trial.validator
    def _validate_resume(self, inp: ResumeTrialInput) -> None:
        if not isinstance(inp, ResumeTrialInput):
            raise reject(NOT_ALLOWED_NOW, "A resume needs the supervisor's actor_id and reason.")
        authorize(inp.role, Action.TRIAL_RESUME)
        require_verified_actor(self.verified_actor)
        if not self.s.paused:
            raise reject(NOT_ALLOWED_NOW, "The trial is not paused.")

    def _set_pause(self, paused: bool, reason: str, actor: str) -> None:
        self.s.paused, self.s.pause_reason = paused, reason if paused else None
        self.s.decisions.append(
            TrialDecision(at=workflow.now(), actor=actor, action="pause" if paused else "resume", reason=reason)
        )
        # Numbered by the trial's decisions so far (the list is never trimmed): each journey takes
        # them in increasing order only, and a captured one sent again is refused.
        message = SetTrialPauseInput(paused=paused, reason=reason, pause_sequence=len(self.s.decisions))
        for participant_id in self.s.enrolled:
            self._pause_signals.append((participant_id, message))

    def refuse_signal(self, signal: str, problem: str, refusal: str = SIGNAL_NOT_AUTHENTICATED) -> None:
        """Called by the engine's trust interceptor for a signal it ignored, and for a repeated
        report: the trial's status lists it, and the event store's audit keeps it."""
        self.s.refused_signals.append(RefusedSignal(at=workflow.now(), signal=signal, problem=problem))
        del self.s.refused_signals[:-LISTED_REFUSED_SIGNALS]
        if workflow.patched(AUDITED_REFUSED_SIGNALS):
            self._handled += 1  # forgeries count towards continuing as new like any signal
            self.s.signals_refused += 1
            workflow_id = workflow.info().workflow_id
            self._refusal_audits.append(
                RecordRefusedSignalInput(
                    workflow_id=workflow_id,
                    signal=signal,
                    refusal=refusal,
                    problem=problem,
                    audit_key=f"{workflow_id}:refused-signal-{self.s.signals_refused}",
                )
            )

    # ------------------------------------------------------------------ queries and delivery

    @workflow.query
    def get_trial_state(self) -> TrialStatus:
        return self._status()

    def _status(self) -> TrialStatus:
        decision = self.s.last_decision
        return TrialStatus(
            trial_id=self.s.protocol.trial_id,
            protocol_version=self.s.protocol.version,
            enrolled=len(self.s.enrolled),
            target=self.s.protocol.target_enrolment,
            participants=list(self.s.enrolled),
            evaluable=len(self.s.outcomes),
            dlts=sum(1 for o in self.s.outcomes.values() if o.dlt),
            stopping_rule=self.s.protocol.safety_stopping.rule.value,
            boundary=decision.boundary if decision else None,
            decision=decision.explanation if decision else None,
            paused=self.s.paused,
            pause_reason=self.s.pause_reason,
            open_sae_clocks=sorted(self.s.sae_clocks.values(), key=lambda c: c.due_at),
            decisions=self.s.decisions,
            refused_signals=self.s.refused_signals,
        )

    def _notify(self, recipient: Recipient, kind: str, subject: str, body: str, urgent: bool = False) -> None:
        # The key counts trial decisions, so a retried activity is still sent once.
        key = f"{workflow.info().workflow_id}:decision-{len(self.s.decisions)}:{recipient.value}"
        self._outbox.append(
            SendNotificationInput(
                idempotency_key=key,
                participant_id=self.s.protocol.trial_id,
                recipient=recipient,
                kind=kind,
                subject=subject,
                body=body,
                urgent=urgent,
            )
        )

    async def _deliver(self) -> None:
        while self._pause_signals:
            participant_id, message = self._pause_signals.pop(0)
            try:
                await workflow.get_external_workflow_handle(f"journey-{participant_id}").signal(
                    ParticipantJourneyWorkflow.set_trial_pause, message
                )
            except Exception as err:
                workflow.logger.info("pause not delivered to %s: %s", participant_id, type(err).__name__)
        while self._refusal_audits:
            await workflow.execute_activity(
                activity.RECORD_REFUSED_SIGNAL,
                self._refusal_audits.pop(0),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=5)),
            )
        while self._outbox:
            await workflow.execute_activity(
                activity.SEND_NOTIFICATION,
                self._outbox.pop(0),
                result_type=NotificationReceipt,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=5)),
            )
