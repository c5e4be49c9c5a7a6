"""A workflow whose helper module, imported normally as the journey's modules are, reads the wall clock."""

from __future__ import annotations

from datetime import datetime

from sandbox_probe_clock import days_until
from temporalio import workflow


@workflow.defn
class WallClockProbeWorkflow:
    @workflow.run
    async def run(self, moment: datetime) -> int:
        return days_until(moment)
