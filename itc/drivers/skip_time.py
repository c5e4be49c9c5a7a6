"""Moving a time-skipping test server's clock forward, with a deadline that holds under load.

`WorkflowEnvironment.sleep` is one RPC under the client's default 30-second call deadline.
The server answers once its clock has moved by the duration, and the clock jumps only while
no workflow task is waiting for a worker: each timer that fires on the way is a round trip
through the worker first. Skipping months of a journey passes dozens of timers, which on a
machine whose cores are busy can take longer than 30 s, and then fails as "Timeout expired"
although the server was making progress. The same RPC with a longer deadline waits for the
same condition and only fails when the clock is really stuck.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.api.testservice.v1 import SleepRequest
from temporalio.testing import WorkflowEnvironment

SKIP_DEADLINE = timedelta(minutes=2)


async def skip_time(env: WorkflowEnvironment, duration: timedelta, deadline: timedelta = SKIP_DEADLINE) -> None:
    """Let `duration` pass on the server's clock; fails after `deadline` of real time."""
    if not env.supports_time_skipping_v1:
        # Other environments sleep in real time (or, on V2, are not what this project uses).
        await env.sleep(duration)
        return
    request = SleepRequest()
    request.duration.FromTimedelta(duration)
    await env.client.test_service.unlock_time_skipping_with_sleep(request, timeout=deadline)
