"""Activities that deliver a journey's reports to its trial workflow.

Signal-with-start: the trial workflow exists after the first report even on a
deployment where no journey was enrolled through it, so no report is lost. A
report names its protocol version only; the configuration a trial needs to start
comes from the versions this worker knows (the default and any loaded amendment).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from activities import names
from itc.models.trial import ReportDltOutcomeInput, ReportSaeClockInput, StartTrialInput, trial_workflow_id
from itc.rules.config import ProtocolConfig
from itc.rules.protocols import UnknownProtocolVersion, protocol_for_version

UNKNOWN_PROTOCOL_VERSION = "UnknownProtocolVersion"


class TrialReportActivities:
    def __init__(self, client: Client, task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    @activity.defn(name=names.REPORT_DLT_OUTCOME)
    async def report_dlt_outcome(self, inp: ReportDltOutcomeInput) -> None:
        await self._signal_with_start(inp, "record_dlt_outcome", inp.outcome)

    @activity.defn(name=names.REPORT_SAE_CLOCK)
    async def report_sae_clock(self, inp: ReportSaeClockInput) -> None:
        await self._signal_with_start(inp, "record_sae_clock", inp.clock)

    async def _signal_with_start(
        self, inp: ReportDltOutcomeInput | ReportSaeClockInput, signal: str, payload: object
    ) -> None:
        from workflows.trial import TrialWorkflow  # the workflow module is only needed here

        protocol = _protocol_of(inp)
        if protocol is None:
            # The trial normally exists already (enrolment starts it), and a signal needs no configuration.
            await self._signal_running_trial(inp, signal, payload)
            return
        await self._client.start_workflow(
            TrialWorkflow.run,
            StartTrialInput(protocol=protocol),
            id=inp.trial_workflow_id,
            task_queue=self._task_queue,
            start_signal=signal,
            start_signal_args=[payload],
        )

    async def _signal_running_trial(
        self, inp: ReportDltOutcomeInput | ReportSaeClockInput, signal: str, payload: object
    ) -> None:
        try:
            await self._client.get_workflow_handle(inp.trial_workflow_id).signal(signal, payload)
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
            # Retryable: a worker that has loaded this version's file can start the trial.
            raise ApplicationError(
                f"Trial {inp.trial_workflow_id} is not running and protocol version {inp.protocol_version} "
                "is not known to this worker",
                type=UNKNOWN_PROTOCOL_VERSION,
            ) from None


def _protocol_of(inp: ReportDltOutcomeInput | ReportSaeClockInput) -> ProtocolConfig | None:
    if inp.protocol is not None:  # recorded before reports named the version only
        return inp.protocol
    if inp.protocol_version is None:
        return None
    try:
        known = protocol_for_version(inp.protocol_version)
    except UnknownProtocolVersion:
        return None
    # A version is named per trial: another trial's configuration must not start this one.
    return known if trial_workflow_id(known.trial_id) == inp.trial_workflow_id else None


def trial_report_activities(acts: TrialReportActivities) -> list[Callable[..., Awaitable[None]]]:
    return [acts.report_dlt_outcome, acts.report_sae_clock]
