"""`python worker.py` stopped as an orchestrator stops it (SIGTERM) exits 0, every time.

temporalio's runtime threads can outlive the interpreter's teardown and abort it with SIGABRT
(sdk-python issue #300). Before the worker ended its process itself on every path, a SIGTERM
stop ended that way once in 25 stops with one core kept busy: a restart policy or an
operator reading the exit code would have seen a crash. Real stack, no mocks
(fixtures_faults.py); the refused start's own exit code is in test_temporal_mtls_proxy.py.
"""

from __future__ import annotations

import pytest
from fixtures_faults import FaultStack

pytestmark = [pytest.mark.slow, pytest.mark.realstack]

STOPS = 20


async def test_a_worker_stopped_by_sigterm_exits_0_every_time(fault_stack: FaultStack) -> None:
    worker = fault_stack.worker
    codes = []
    for _ in range(STOPS):
        if not worker.running:
            await worker.start()
        await worker.stop()
        assert worker.process is not None
        codes.append(worker.process.returncode)
    # The stack's other users expect a running worker.
    await worker.start()
    assert codes == [0] * STOPS, f"exit codes of {STOPS} SIGTERM stops: {codes}"
