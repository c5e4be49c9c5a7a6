"""Client-side operations on journeys, shared by starter.py, the CLI and the demo.

The workflow module is imported lazily: the CLI must start (and report input errors)
even where the workflow code is missing or slow to import.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    WorkflowIDConflictPolicy,
)
from temporalio.exceptions import (
    ApplicationError,
    FailureError,
)
from temporalio.service import RPCError, RPCStatusCode

from itc.actions import STAFF_ACTIONS
from itc.base.consent_input import parse_consent as parse_consent
from itc.base.errors import (
    REFUSAL_PREFIX,
    EnrolmentClosed,
    JourneyAlreadyExists,
    JourneyNotFound,
    NoWorker,
    QueryFailed,
    RequestConflict,
    UpdateRejected,
)
from itc.base.json_input import validate_model as validate_model
from itc.base.logging import JOURNEY_ID_PREFIX, get_logger
from itc.journey.refusals import REQUEST_ID_CONFLICT
from itc.models.inputs import (
    ActionAccepted,
    ConsentRecord,
    RecordRefusedActionInput,
    StaffAction,
)
from itc.models.state import JourneyStatus, TimelineEntry
from itc.models.trial import EnrolmentAccepted, EnrolParticipantInput, StartTrialInput, trial_workflow_id
from itc.rules.config import ProtocolConfig
from workflows.rejections import ROLE_NOT_PERMITTED

log = get_logger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)

# Update name -> its input model; the names are the workflow's update method names.
UPDATE_INPUTS: dict[str, type[StaffAction]] = {spec.update: spec.input_model for spec in STAFF_ACTIONS}


# Queries and Updates need a live worker; without one the server holds the call open.
WORKER_WAIT = timedelta(seconds=30)


def journey_id(participant_id: str) -> str:
    return f"{JOURNEY_ID_PREFIX}{participant_id}"


def _workflow_class() -> Any:
    from workflows.journey import ParticipantJourneyWorkflow

    return ParticipantJourneyWorkflow


# ---------------------------------------------------------------- reading input


# ---------------------------------------------------------------- Temporal calls


async def start_journey(client: Client, consent: ConsentRecord, protocol: ProtocolConfig, task_queue: str) -> str:
    """Enrol a participant through the trial workflow, which starts the journey; returns its ID.

    The enrolment is an Update on the trial workflow (started here on first use): the trial
    handles Updates one at a time, which is what keeps concurrent starts under the cap.
    """
    from workflows.trial import TrialWorkflow

    trial_id = trial_workflow_id(protocol.trial_id)
    try:
        await client.start_workflow(
            TrialWorkflow.run,
            StartTrialInput(protocol=protocol),
            id=trial_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        accepted = await _enrol(client, trial_id, consent, protocol)
    except WorkflowUpdateFailedError as error:
        message = _failure_message(error)
        kind = getattr(error.cause, "type", None)
        if kind == "JourneyAlreadyExists":
            raise JourneyAlreadyExists(message) from None
        if kind == "EnrolmentClosed":
            raise EnrolmentClosed(message) from None
        raise UpdateRejected(f"{REFUSAL_PREFIX}{message}") from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise NoWorker(
            f"No worker answered the trial workflow within {int(WORKER_WAIT.total_seconds())} s "
            "— is `itc dev` or `python worker.py` running?"
        ) from None
    if not isinstance(accepted, EnrolmentAccepted):
        accepted = EnrolmentAccepted.model_validate(accepted)
    log.info(
        "journey started",
        workflow_id=accepted.workflow_id,
        participant_id=consent.participant_id,
        enrolled=accepted.enrolled,
        target=accepted.target,
    )
    return accepted.workflow_id


async def _enrol(client: Client, trial_id: str, consent: ConsentRecord, protocol: ProtocolConfig) -> Any:
    """Enrol naming the protocol version; the whole configuration goes only to a trial that asks for it."""
    from workflows.trial import UNKNOWN_PROTOCOL_VERSION, TrialWorkflow

    handle = client.get_workflow_handle(trial_id)
    try:
        return await handle.execute_update(
            TrialWorkflow.enrol_participant,
            EnrolParticipantInput(consent=consent, protocol_version=protocol.version),
            rpc_timeout=WORKER_WAIT,
        )
    except WorkflowUpdateFailedError as error:
        if getattr(error.cause, "type", None) != UNKNOWN_PROTOCOL_VERSION:
            raise
    return await handle.execute_update(
        TrialWorkflow.enrol_participant,
        EnrolParticipantInput(consent=consent, protocol=protocol),
        rpc_timeout=WORKER_WAIT,
    )


def _handle(client: Client, participant_id: str) -> WorkflowHandle[Any, Any]:
    return client.get_workflow_handle(journey_id(participant_id))


def _not_found(participant_id: str) -> JourneyNotFound:
    return JourneyNotFound(f"No journey for participant {participant_id}")


def _failure_message(error: BaseException) -> str:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ApplicationError) and cause.message:
            return cause.message
        next_cause = getattr(cause, "cause", None) or cause.__cause__
        if next_cause is None and isinstance(cause, FailureError):
            return cause.message
        cause = next_cause
    return str(error)


def _rpc_to_user_error(error: RPCError, participant_id: str, doing: str) -> Exception:
    if error.status == RPCStatusCode.DEADLINE_EXCEEDED:
        return NoWorker(
            f"No worker answered for {journey_id(participant_id)} within "
            f"{int(WORKER_WAIT.total_seconds())} s — is `itc dev` or `python worker.py` running?"
        )
    if error.status == RPCStatusCode.NOT_FOUND:
        if "completed" in error.message.lower() or "closed" in error.message.lower():
            return UpdateRejected(f"The journey for {participant_id} has ended; it accepts no more {doing}")
        return _not_found(participant_id)
    return error


class RefusalSink(Protocol):
    async def record(self, participant_id: str, refusal: RecordRefusedActionInput) -> None: ...


async def record(
    client: Client,
    participant_id: str,
    update_name: str,
    payload: BaseModel,
    *,
    refusals: RefusalSink | None = None,
) -> ActionAccepted:
    """Send one staff Update and wait for the workflow to accept or reject it; a refusal for
    the role goes to `refusals` (the event store's refused_actions), never to the journey."""
    if update_name not in UPDATE_INPUTS:
        raise ValueError(f"unknown update {update_name}")
    update = getattr(_workflow_class(), update_name)
    try:
        result = await _handle(client, participant_id).execute_update(update, payload, rpc_timeout=WORKER_WAIT)
    except WorkflowUpdateFailedError as error:
        message = _failure_message(error)
        if getattr(error.cause, "type", None) == REQUEST_ID_CONFLICT:
            raise RequestConflict(f"{REFUSAL_PREFIX}{message}") from None
        if getattr(error.cause, "type", None) == ROLE_NOT_PERMITTED and isinstance(payload, StaffAction):
            await audit_refusal(refusals, participant_id, RecordRefusedActionInput(
                update=update_name, actor_id=payload.actor_id, role=payload.role, request_id=payload.request_id,
                refusal=ROLE_NOT_PERMITTED, message=message, refused_by="journey",
            ))  # fmt: skip
        raise UpdateRejected(f"{REFUSAL_PREFIX}{message}") from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise NoWorker(
            f"No worker answered for {journey_id(participant_id)} within "
            f"{int(WORKER_WAIT.total_seconds())} s — is `itc dev` or `python worker.py` running? "
            "The record may still be applied when a worker starts; check `itc timeline`."
        ) from None
    except RPCError as error:
        raise _rpc_to_user_error(error, participant_id, "records") from None
    if not isinstance(result, ActionAccepted):
        result = ActionAccepted.model_validate(result)
    log.info(
        "update accepted",
        update=update_name,
        participant_id=participant_id,
        sequence=result.sequence,
        stage=str(result.stage),
    )
    return result


async def audit_refusal(refusals: RefusalSink | None, participant_id: str, refusal: RecordRefusedActionInput) -> bool:
    """Put a refused action on the participant's audit trail (the event store's
    refused_actions, merged with the journey's events); False when it could not be written.

    Not a signal to the journey: a refusal must cost the journey's history nothing, or a flood
    of refused requests would drive it to Temporal's limit. A refusal must not be lost quietly,
    so a failure to record it is logged as an error, but it never hides the refusal itself
    from the person who was refused.
    """
    if refusals is None:
        log.warning("refused action not audited: no event store", participant_id=participant_id, update=refusal.update)
        return False
    try:
        await refusals.record(participant_id, refusal)
    except Exception as error:
        log.error(
            "refused action not audited",
            participant_id=participant_id,
            update=refusal.update,
            refusal=refusal.refusal,
            error=type(error).__name__,
        )
        return False
    log.info(
        "action refused",
        participant_id=participant_id,
        update=refusal.update,
        refusal=refusal.refusal,
        role=refusal.role.value if refusal.role else None,
    )
    return True


async def _query(client: Client, participant_id: str, query: Any) -> Any:
    try:
        return await _handle(client, participant_id).query(query, rpc_timeout=WORKER_WAIT)
    except WorkflowQueryFailedError as error:
        raise QueryFailed(f"The journey of {participant_id} could not answer: {error}") from None
    except RPCError as error:
        raise _rpc_to_user_error(error, participant_id, "queries") from None


async def get_status(client: Client, participant_id: str) -> JourneyStatus:
    result = await _query(client, participant_id, _workflow_class().get_state)
    return result if isinstance(result, JourneyStatus) else JourneyStatus.model_validate(result)


async def get_timeline(client: Client, participant_id: str) -> list[TimelineEntry]:
    result = await _query(client, participant_id, _workflow_class().get_timeline)
    return [entry if isinstance(entry, TimelineEntry) else TimelineEntry.model_validate(entry) for entry in result]
