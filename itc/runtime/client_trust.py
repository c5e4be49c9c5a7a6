"""The client's side of the trust boundary around Temporal: what a client holding the
engine's keys adds to what it sends, so the worker can tell it from a forgery.

- `AssertionSigningInterceptor` binds an actor assertion to every Update (its header). Whose
  identity it asserts is set by the caller with `acting_as(identity)`: the API's authenticated
  principal (`itc.api.operations.acting_identity`, the one place the API says who acts). A
  caller that sets none (the `itc` command, the test drivers, the simulation) asserts the
  actor and role its input names: such a caller holds the identity key itself and is
  trusted as the operator's own tool.
- `SignalSigningInterceptor` adds a MAC to the signals only workers send (a journey's
  reports to its trial, sent by the worker's activities); only a worker's client has it.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from temporalio.client import (
    Interceptor,
    OutboundInterceptor,
    SignalWorkflowInput,
    StartWorkflowInput,
    StartWorkflowUpdateInput,
    StartWorkflowUpdateWithStartInput,
    WorkflowHandle,
    WorkflowUpdateHandle,
)
from temporalio.contrib.pydantic import pydantic_data_converter

from itc.actions import STAFF_ACTIONS
from itc.crypto.assertions import bind, sign_assertion
from itc.crypto.keyring import Keyring
from itc.crypto.signal_macs import carries_signal_mac, sign_signal
from itc.models.identity import ASSERTION_HEADER, ActorIdentity, claimed_actor
from itc.models.trial import EnrolParticipantInput, ResumeTrialInput
from itc.runtime.workflow_trust import WORKER_SIGNALS

# Update name -> its input model, for binding an input sent as plain JSON as the worker will read it.
UPDATE_INPUT_MODELS: dict[str, type[BaseModel]] = {
    **{spec.update: spec.input_model for spec in STAFF_ACTIONS},
    "enrol_participant": EnrolParticipantInput,
    "resume_trial": ResumeTrialInput,
}

_acting: ContextVar[ActorIdentity | None] = ContextVar("itc_acting_identity", default=None)


@contextmanager
def acting_as(identity: ActorIdentity) -> Iterator[None]:
    """Updates sent within the block assert `identity`."""
    token = _acting.set(identity)
    try:
        yield
    finally:
        _acting.reset(token)


def _as_input_model(update: str, args: Any) -> BaseModel | None:
    if len(args) != 1:
        return None
    content = args[0]
    if isinstance(content, BaseModel):
        return content
    model = UPDATE_INPUT_MODELS.get(update)
    if model is None:
        return None
    try:
        return model.model_validate(content)
    except ValidationError:
        return None  # the worker refuses it while decoding, with pydantic's message


def _identity_for(content: BaseModel) -> ActorIdentity | None:
    if (identity := _acting.get()) is not None:
        return identity
    actor_id, role = claimed_actor(content)
    if actor_id is None or role is None:
        return None
    return ActorIdentity(person_id=actor_id, roles=[role], acting_role=role)


def _to_header(value: BaseModel) -> Any:
    [payload] = pydantic_data_converter.payload_converter.to_payloads([value])
    return payload


class _SignUpdates(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, keyring: Callable[[], Keyring]) -> None:
        super().__init__(next)
        self._keyring = keyring

    def _headers(self, headers: Any, update: str, update_id: str, workflow_id: str, args: Any) -> dict[str, Any]:
        content = _as_input_model(update, args)
        identity = _identity_for(content) if content is not None else None
        if content is None or identity is None:
            return dict(headers)  # nothing to vouch for: the worker refuses it
        binding = bind(update, update_id, workflow_id, content)
        assertion = sign_assertion(self._keyring(), identity, binding, datetime.now(UTC))
        return {**headers, ASSERTION_HEADER: _to_header(assertion)}

    async def start_workflow_update(self, input: StartWorkflowUpdateInput) -> WorkflowUpdateHandle[Any]:
        input.update_id = input.update_id or str(uuid.uuid4())
        input.headers = self._headers(input.headers, input.update, input.update_id, input.id, input.args)
        return await self.next.start_workflow_update(input)

    async def start_update_with_start_workflow(
        self, input: StartWorkflowUpdateWithStartInput
    ) -> WorkflowUpdateHandle[Any]:
        update = input.update_workflow_input
        update.update_id = update.update_id or str(uuid.uuid4())
        workflow_id = input.start_workflow_input.id
        update.headers = self._headers(update.headers, update.update, update.update_id, workflow_id, update.args)
        return await self.next.start_update_with_start_workflow(input)


class AssertionSigningInterceptor(Interceptor):
    """`identity_keys` is the keyring or how to read it: read at the first Update, so a client
    that only reads (status, timeline) needs no identity key."""

    def __init__(self, identity_keys: Keyring | Callable[[], Keyring]) -> None:
        self._keyring = functools.cache(identity_keys if callable(identity_keys) else lambda: identity_keys)

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _SignUpdates(next, self._keyring)


class _SignSignals(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, keyring: Keyring) -> None:
        super().__init__(next)
        self._keyring = keyring

    def _signed(self, signal: str | None, workflow_id: str, args: Any) -> Any:
        if signal not in WORKER_SIGNALS or len(args) != 1 or not carries_signal_mac(args[0]):
            return args
        return [sign_signal(self._keyring, signal, workflow_id, args[0])]

    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        input.args = self._signed(input.signal, input.id, input.args)
        await self.next.signal_workflow(input)

    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any, Any]:
        input.start_signal_args = self._signed(
            input.start_signal, input.id, input.start_signal_args
        )  # signal-with-start
        return await self.next.start_workflow(input)


class SignalSigningInterceptor(Interceptor):
    def __init__(self, signal_keys: Keyring) -> None:
        self._keyring = signal_keys

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _SignSignals(next, self._keyring)
