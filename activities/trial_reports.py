"""Activities that deliver a journey's reports to its trial workflow.

Signal-with-start: the trial workflow exists after the first report even on a
deployment where no journey was enrolled through it, so no report is lost.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.client import Client

from activities import names
from itc.models.trial import ReportDltOutcomeInput, ReportSaeClockInput, StartTrialInput


class TrialReportActivities:
    def __init__(self, client: Client, task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    @activity.defn(name=names.REPORT_DLT_OUTCOME)
    async def report_dlt_outcome(self, inp: ReportDltOutcomeInput) -> None:
        await self._signal_with_start(inp.trial_workflow_id, inp, "record_dlt_outcome", inp.outcome)

    @activity.defn(name=names.REPORT_SAE_CLOCK)
    async def report_sae_clock(self, inp: ReportSaeClockInput) -> None:
        await self._signal_with_start(inp.trial_workflow_id, inp, "record_sae_clock", inp.clock)

    async def _signal_with_start(
        self, workflow_id: str, inp: ReportDltOutcomeInput | ReportSaeClockInput, signal: str, payload: object
    ) -> None:
        from workflows.trial import TrialWorkflow  # the workflow module is only needed here

        await self._client.start_workflow(
            TrialWorkflow.run,
            StartTrialInput(protocol=inp.protocol),
            id=workflow_id,
            task_queue=self._task_queue,
            start_signal=signal,
            start_signal_args=[payload],
        )


def trial_report_activities(acts: TrialReportActivities) -> list:
    return [acts.report_dlt_outcome, acts.report_sae_clock]
