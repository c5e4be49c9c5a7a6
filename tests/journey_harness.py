"""Drive ParticipantJourneyWorkflow in tests: activities mocked by name, staff actions as Updates.

The mocks, the journey driver and the scripted staff actions live in `itc.drivers`,
shared with the benchmarks; this module adds only what is pytest's: a journey that needs
months to pass is skipped on the real dev server.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from itc.drivers.env_journey import Journey as _EnvironmentJourney
from itc.drivers.env_journey import consent_record, worker_for  # noqa: F401
from itc.drivers.env_journey import start_journey as _start_journey
from itc.drivers.mock_services import MockServices
from itc.drivers.staff_actions import (  # noqa: F401
    DAY,
    GOOD_RELEASE_QC,
    GOOD_SCREENING_LABS,
    HOUR,
    MILESTONES,
    PRE_INFUSION,
    SAMPLE,
    STAFF,
    SUPERVISOR,
    acting_in_role,
    advance_to,
    collect_biopsy,
    complete_baseline,
    drive_to_infusion,
    drive_to_manufacturing,
    follow_up_to_end,
    give_first_infusion,
    give_infusion,
    infuse_all,
    lab_results,
    manufacture,
    pass_screening,
    record_eligibility,
    record_labs,
    record_milestone,
    record_scan,
    toxicity_checks,
)
from itc.rules.config import DEFAULT_PROTOCOL, ProtocolConfig


class Journey(_EnvironmentJourney):
    async def advance(self, duration: timedelta) -> None:
        if not self.env.supports_time_skipping:
            # On the real dev server a month takes a month: only time-free tests run there.
            pytest.skip("needs the time-skipping test server")
        await super().advance(duration)


async def start_journey(
    env: WorkflowEnvironment,
    worker_task_queue: str,
    services: MockServices,
    participant_id: str | None = None,
    protocol: ProtocolConfig = DEFAULT_PROTOCOL,
    **consent_overrides: Any,
) -> Journey:
    journey = await _start_journey(
        env, worker_task_queue, services, participant_id, protocol, journey_type=Journey, **consent_overrides
    )
    assert isinstance(journey, Journey)
    return journey


def assert_consecutive_sequences(services: MockServices) -> None:
    """Every event reached the store once: sequence numbers 1..N with no gap."""
    sequences = sorted(e.sequence for e in services.events)
    assert sequences == list(range(1, len(sequences) + 1))
