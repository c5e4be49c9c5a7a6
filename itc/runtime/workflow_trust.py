"""The worker's side of the trust boundary around Temporal: workflow interceptors that check
who sent an Update or a signal before a journey or the trial acts on it.

- Every Update must carry an actor assertion (`itc.models.identity`) signed with an identity
  key, bound to this very request and naming the input's actor and role; it is checked in the
  validator path, so a refusal never reaches history, and validators do not run on replay, so
  histories recorded before assertions existed replay unchanged. The verified assertion is
  handed to the workflow (`verified_actor`) for the length of the validator; the workflows
  refuse an Update that arrives without one, so a worker built without this interceptor
  refuses everything rather than trusting the input. An assertion older than the configured
  window (`ASSERTION_MAX_AGE`, see `itc.crypto.assertions` for why the validator is the place)
  is refused too: Temporal dedupes an Update ID only within one run, so without it a captured
  request could be sent again to a later run of the same workflow.
- The signals workflows send each other must carry a MAC under a signal key
  (`itc.crypto.signal_macs`), which this interceptor adds to the trial's outgoing signals and
  checks on every incoming one (the retired refusal signal has no MAC field, so it is always
  a forgery now). Signal handlers do run on replay, so a signal without a valid
  MAC is ignored only behind `workflow.patched(AUTHENTICATED_SIGNALS)`: a history recorded
  before the check keeps its unsigned signals, a journey or trial from after it ignores the
  forgery and tells the workflow (`refuse_signal`) so it is audited.

Keys are kept by ID, so what an old key signed still verifies on replay after a rotation;
drop a signal key only when no history within retention holds a signal it signed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    HandleSignalInput,
    HandleUpdateInput,
    Interceptor,
    SignalExternalWorkflowInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)

from itc.crypto.assertions import (
    ASSERTION_MAX_AGE,
    AssertionRefused,
    bind,
    check_fresh,
    parse_assertion,
    verify_assertion,
)
from itc.crypto.engine_keys import EngineKeys
from itc.crypto.signal_macs import carries_signal_mac, sign_signal, signal_mac_problem
from itc.models.identity import ACTOR_NOT_AUTHENTICATED, ASSERTION_HEADER, ActorAssertion, claimed_actor

# Patch ID: from here on a workflow ignores signals from other workflows that carry no valid MAC.
AUTHENTICATED_SIGNALS = "authenticated-workflow-signals"
# The signals only a worker sends: journey to trial, trial to journey, and the retired
# refusal signal (refusals now go to the event store directly; no worker sends it any more).
WORKER_SIGNALS = frozenset({"record_dlt_outcome", "record_sae_clock", "set_trial_pause", "record_refused_action"})


def _header_value(headers: Any, name: str, model: type[Any]) -> Any:
    payload = headers.get(name)
    if payload is None:
        return None
    try:
        return workflow.payload_converter().from_payloads([payload], [model])[0]
    except Exception:
        return None  # malformed: treated as absent, which is refused


class _TrustOutbound(WorkflowOutboundInterceptor):
    def __init__(self, next: WorkflowOutboundInterceptor, keys: EngineKeys) -> None:
        super().__init__(next)
        self._keys = keys

    def signal_external_workflow(self, input: SignalExternalWorkflowInput) -> Any:
        if input.signal in WORKER_SIGNALS and len(input.args) == 1 and carries_signal_mac(input.args[0]):
            input.args = [sign_signal(self._keys.signals, input.signal, input.workflow_id, input.args[0])]
        return self.next.signal_external_workflow(input)


def _wall_clock() -> datetime:
    """The worker's real time. Not workflow.now(): that is the workflow task's time, which a
    time-skipping test server moves ahead, while assertions are dated by the sender's clock.
    Reading it breaks no determinism: validators do not run on replay."""
    with workflow.unsafe.sandbox_unrestricted():
        return datetime.now(UTC)


class _TrustInbound(WorkflowInboundInterceptor):
    keys: EngineKeys  # set on the subclass the interceptor makes
    assertion_max_age: timedelta

    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        super().init(_TrustOutbound(outbound, self.keys))

    def handle_update_validator(self, input: HandleUpdateInput) -> None:
        instance = workflow.instance()
        content = input.args[0] if len(input.args) == 1 else None
        actor_id, role = claimed_actor(content)
        if content is None or not hasattr(content, "model_dump") or role is None:
            # Not an input model at all, or one that names no role: the workflow's own validator
            # refuses it with its message (and would refuse it anyway, no sender being verified).
            self.next.handle_update_validator(input)
            return
        try:
            raw = input.headers.get(ASSERTION_HEADER)
            assertion = parse_assertion(_header_value(input.headers, ASSERTION_HEADER, ActorAssertion)) if raw else None
            binding = bind(input.update, input.id, workflow.info().workflow_id, content)
            verified = verify_assertion(self.keys.identity, assertion, binding, actor_id=actor_id, role=role)
            check_fresh(verified, _wall_clock(), self.assertion_max_age)
        except AssertionRefused as refused:
            raise ApplicationError(
                f"Refused: {refused.message}", type=ACTOR_NOT_AUTHENTICATED, non_retryable=True
            ) from None
        instance.verified_actor = verified
        try:
            self.next.handle_update_validator(input)
        finally:
            instance.verified_actor = None

    async def handle_signal(self, input: HandleSignalInput) -> None:
        if input.signal in WORKER_SIGNALS:
            problem = signal_mac_problem(self.keys.signals, input.signal, workflow.info().workflow_id, input.args)
            if problem is not None and workflow.patched(AUTHENTICATED_SIGNALS):
                workflow.logger.warning("signal %s ignored: %s", input.signal, problem)
                refuse = getattr(workflow.instance(), "refuse_signal", None)
                if refuse is not None:
                    refuse(input.signal, problem)
                return
        await self.next.handle_signal(input)


class EngineTrustInterceptor(Interceptor):
    """Installed on every worker and replayer (`itc.runtime.worker.worker_interceptors`)."""

    def __init__(self, keys: EngineKeys, assertion_max_age: timedelta = ASSERTION_MAX_AGE) -> None:
        self._inbound = type(
            "EngineTrustInbound", (_TrustInbound,), {"keys": keys, "assertion_max_age": assertion_max_age}
        )

    def workflow_interceptor_class(self, input: WorkflowInterceptorClassInput) -> type[WorkflowInboundInterceptor]:
        return self._inbound
