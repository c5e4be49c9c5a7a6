"""Where an accepted Update's time went inside Temporal, read from the journeys' histories.

Each accepted Update is recorded after the workflow task that ran its validator and handler:
WorkflowTaskScheduled -> WorkflowTaskStarted is the wait for the worker to pick the task up,
WorkflowTaskStarted -> WorkflowTaskCompleted is the worker running it (decoding, the trust
check, the validator, the handler, the journey reacting, encoding). Whatever else a round trip
took was spent in the API, on the wire and in the server admitting and persisting the Update.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

from bench.percentiles import summary_ms

_TASK_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED: "scheduled",
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED: "started",
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: "completed",
}


def _seconds(event: HistoryEvent) -> float:
    return event.event_time.ToDatetime().timestamp()


def task_gaps(events: list[HistoryEvent]) -> tuple[list[float], list[float]]:
    """(waits for the worker, worker run times) of the workflow tasks that accepted an Update."""
    waits, runs = [], []
    for index, event in enumerate(events):
        if event.event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            continue
        task: dict[str, HistoryEvent] = {}
        for earlier in reversed(events[max(0, index - 6) : index]):
            name = _TASK_EVENTS.get(earlier.event_type)
            if name is not None and name not in task:
                task[name] = earlier
            if len(task) == len(_TASK_EVENTS):
                break
        if len(task) == len(_TASK_EVENTS):
            waits.append(_seconds(task["started"]) - _seconds(task["scheduled"]))
            runs.append(_seconds(task["completed"]) - _seconds(task["started"]))
    return waits, runs


async def _history(client: Client, workflow_id: str) -> list[HistoryEvent]:
    return [event async for event in client.get_workflow_handle(workflow_id).fetch_history_events()]


async def history_marks(client: Client, workflow_ids: Iterable[str]) -> dict[str, int]:
    """The last event ID of each workflow now, so a later reading counts only what came after."""
    return {workflow_id: (await _history(client, workflow_id))[-1].event_id for workflow_id in workflow_ids}


async def update_task_timings(client: Client, since: dict[str, int]) -> dict[str, Any]:
    """The workflow tasks of the Updates each workflow accepted after its mark in `since`."""
    waits: list[float] = []
    runs: list[float] = []
    for workflow_id, mark in since.items():
        events = [event for event in await _history(client, workflow_id) if event.event_id > mark]
        more_waits, more_runs = task_gaps(events)
        waits += more_waits
        runs += more_runs
    if not runs:
        return {}
    return {"waiting_for_the_worker_ms": summary_ms(waits), "worker_running_the_task_ms": summary_ms(runs)}
