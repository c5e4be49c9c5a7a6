"""Client-side operations on the trial workflow, shared by the CLI and the API."""

from __future__ import annotations

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from itc.base.errors import JourneyNotFound, UpdateRejected
from itc.models.trial import ResumeTrialInput, TrialStatus, trial_workflow_id
from itc.rules.config import ProtocolConfig


def _not_started(protocol: ProtocolConfig) -> JourneyNotFound:
    return JourneyNotFound(f"Trial {protocol.trial_id} has no workflow yet: it starts with the first enrolment")


async def get_trial_status(client: Client, protocol: ProtocolConfig) -> TrialStatus:
    from workflows.trial import TrialWorkflow

    try:
        result = await client.get_workflow_handle(trial_workflow_id(protocol.trial_id)).query(
            TrialWorkflow.get_trial_state
        )
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise _not_started(protocol) from None
        raise
    return result if isinstance(result, TrialStatus) else TrialStatus.model_validate(result)


async def resume_trial(client: Client, protocol: ProtocolConfig, resume: ResumeTrialInput) -> TrialStatus:
    from workflows.trial import TrialWorkflow

    try:
        result = await client.get_workflow_handle(trial_workflow_id(protocol.trial_id)).execute_update(
            TrialWorkflow.resume_trial, resume
        )
    except WorkflowUpdateFailedError as error:
        raise UpdateRejected(f"Rejected: {getattr(error.cause, 'message', error.cause)}") from None
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise _not_started(protocol) from None
        raise
    return result if isinstance(result, TrialStatus) else TrialStatus.model_validate(result)
