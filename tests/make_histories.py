"""Regenerate the committed histories in tests/histories/ (run by hand, not by pytest).

    python tests/make_histories.py

Only regenerate when a journey change is meant to be incompatible and is
released with a new workflow version; otherwise the committed histories are
exactly what the replay test must keep accepting.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from journey_harness import (  # noqa: E402
    MockServices,
    advance_to,
    drive_to_infusion,
    infuse_all,
    record_scan,
    start_journey,
    worker_for,
)
from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from fixtures_temporal import binary  # noqa: E402
from journey_models.enums import Stage  # noqa: E402
from runtime.temporal_client import ensure_search_attributes  # noqa: E402


async def main() -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server"), data_converter=pydantic_data_converter
    )
    async with env:
        await ensure_search_attributes(env.client, env.client.namespace)
        services = MockServices()
        queue = f"histories-{uuid.uuid4().hex}"
        async with worker_for(env.client, queue, services):
            j = await start_journey(env, queue, services, participant_id="ITC-001")
            first_run = j.handle.first_execution_run_id
            await drive_to_infusion(j)
            await infuse_all(j)
            state = await j.wait_for_stage(Stage.RESPONSE_ASSESSMENT)
            await advance_to(j, state.next_due[0].due_at)
            await record_scan(j, "response", 19.0)
            state = await j.wait_for_stage(Stage.FOLLOW_UP)
            due = next(d for d in state.next_due if d.action == "follow_up_scan")
            await advance_to(j, due.due_at)
            await record_scan(j, "follow_up", 18.0)
            await j.advance(timedelta(days=1))
            first = await env.client.get_workflow_handle(j.handle.id, run_id=first_run).fetch_history()
            (HERE / "histories" / "journey-consent-to-first-follow-up.json").write_text(first.to_json())
            await j.advance(timedelta(weeks=12))
            await record_scan(j, "follow_up", 18.0)
            await j.advance(timedelta(days=1))
            second_run = first.events[-1].workflow_execution_continued_as_new_event_attributes.new_execution_run_id
            # The second run holds exactly one follow-up cycle and ends by continuing as new.
            second = await env.client.get_workflow_handle(j.handle.id, run_id=second_run).fetch_history()
            (HERE / "histories" / "journey-follow-up-run.json").write_text(second.to_json())
            await j.handle.terminate("history captured")
            print(f"wrote {len(first.events)} and {len(second.events)} events")


if __name__ == "__main__":
    asyncio.run(main())
