"""Binds the journey's IDs around every activity, so each log line an activity or a service
writes (structlog or stdlib) carries workflow_id and participant_id without passing them down."""

from __future__ import annotations

from typing import Any

import structlog
from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from itc.base.logging import participant_from_workflow_id


class _BindJourneyActivityInbound(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        workflow_id = info.workflow_id or ""
        with structlog.contextvars.bound_contextvars(
            workflow_id=workflow_id,
            participant_id=participant_from_workflow_id(workflow_id),
            activity_type=info.activity_type,
            attempt=info.attempt,
        ):
            return await self.next.execute_activity(input)


class JourneyLogContextInterceptor(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _BindJourneyActivityInbound(next)
