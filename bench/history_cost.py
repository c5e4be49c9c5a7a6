"""History cost: events and bytes of every run of a full journey, 2-year and 10-year follow-up.

The server's limits are per run (warning at 10,240 events or 10 MB), so each run is
measured on its own: the continued-as-new event at the end of a run names the next one.
Bytes are the serialized protobuf size of the events, what the server counts. A
follow-up run carries the journey's state into the next, so bytes per run grow with time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from bench.full_journey import TEN_YEARS, FullJourneyRun, run_full_journey

TARGET_MAX_EVENTS_PER_RUN = 2_000
SERVER_WARNING_EVENTS = 10_240
# Well under the server's per-payload warning (256 KiB): the protocol travels once per journey, not per report.
TARGET_MAX_PAYLOAD_BYTES = 16 * 1024


def payloads_in(message: Message) -> Iterator[Payload]:
    """Every Payload anywhere inside a history event: inputs, results, headers, memos, failures."""
    if isinstance(message, Payload):
        yield message
        return
    for field, value in message.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        if isinstance(value, Message):
            items = [value]
        elif field.message_type is not None and field.message_type.GetOptions().map_entry:
            items = value.values()
        else:  # a repeated field
            items = value
        for item in items:
            if isinstance(item, Message):
                yield from payloads_in(item)


def largest_payload_bytes(events: list[Any]) -> int:
    return max((payload.ByteSize() for event in events for payload in payloads_in(event)), default=0)


async def run_sizes(env: WorkflowEnvironment, run: FullJourneyRun) -> list[dict[str, Any]]:
    sizes = []
    run_id: str | None = run.first_run_id
    while run_id is not None:
        history = await env.client.get_workflow_handle(run.workflow_id, run_id=run_id).fetch_history()
        last = history.events[-1]
        sizes.append(
            {
                "events": len(history.events),
                "bytes": sum(event.ByteSize() for event in history.events),
                # Payload limits apply per event (warning at 256 KB): the carried state is the big one.
                "largest_event_bytes": max(event.ByteSize() for event in history.events),
                "largest_payload_bytes": largest_payload_bytes(list(history.events)),
                "updates": sum(
                    1 for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
                ),
                "activities": sum(
                    1 for e in history.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
                ),
            }
        )
        continued = last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        run_id = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id if continued else None
    return sizes


def summarise(sizes: list[dict[str, Any]], run: FullJourneyRun) -> dict[str, Any]:
    largest = max(range(len(sizes)), key=lambda i: sizes[i]["events"])
    events = sum(s["events"] for s in sizes)
    total_bytes = sum(s["bytes"] for s in sizes)
    return {
        "runs": len(sizes),
        "follow_up_cycles": run.follow_up_cycles,
        "business_events": len(run.services.events),
        "total_events": events,
        "total_bytes": total_bytes,
        "mean_events_per_run": round(events / len(sizes), 1),
        "mean_bytes_per_run": round(total_bytes / len(sizes)),
        "largest_run": {"index": largest + 1, **sizes[largest]},
        "largest_run_bytes": max(s["bytes"] for s in sizes),
        "largest_event_bytes": max(s["largest_event_bytes"] for s in sizes),
        "largest_payload_bytes": max(s["largest_payload_bytes"] for s in sizes),
        "last_run_bytes": sizes[-1]["bytes"],
        "per_run": sizes,
    }


async def measure(env: WorkflowEnvironment, two_year: FullJourneyRun) -> dict[str, Any]:
    ten_year = await run_full_journey(env, TEN_YEARS)
    two, ten = summarise(await run_sizes(env, two_year), two_year), summarise(await run_sizes(env, ten_year), ten_year)
    largest_payload = max(two["largest_payload_bytes"], ten["largest_payload_bytes"])
    result: dict[str, Any] = {
        "two_year": two,
        "ten_year": ten,
        "target_max_events_per_run": TARGET_MAX_EVENTS_PER_RUN,
        "server_warning_events": SERVER_WARNING_EVENTS,
        "target_max_payload_bytes": TARGET_MAX_PAYLOAD_BYTES,
    }
    worst = max(two["largest_run"]["events"], ten["largest_run"]["events"])
    result["met"] = worst < TARGET_MAX_EVENTS_PER_RUN
    result["largest_payload_bytes"] = largest_payload
    result["payload_met"] = largest_payload < TARGET_MAX_PAYLOAD_BYTES
    return result
