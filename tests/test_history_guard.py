"""The history guard (issue 12, H3): in any stage that can resume in a new run, the journey
continues as new when Temporal suggests it or its history passes a configured bound, with its
state intact. Pushed past a lowered guard in screening, a journey continues as new, orders
nothing twice, loses no event, and goes on to baseline.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from journey_harness import DAY, Journey, MockServices, consent_record, lab_results, pass_screening, worker_for

from itc.models.enums import EventType, Stage
from itc.models.state import HistoryGuard, StartJourneyInput
from itc.rules.config import DEFAULT_PROTOCOL
from workflows.journey import ParticipantJourneyWorkflow

LOWERED = HistoryGuard(max_events=60)


async def test_a_journey_in_screening_continues_as_new_past_the_guard_with_its_state_intact(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        participant_id = f"ITC-{uuid.uuid4().int % 90000 + 10000}"
        consent = consent_record(participant_id, (await workflow_env.get_current_time()).date())
        handle = await workflow_env.client.start_workflow(
            ParticipantJourneyWorkflow.run,
            StartJourneyInput(consent=consent, protocol=DEFAULT_PROTOCOL, history_guard=LOWERED),
            id=f"journey-{participant_id}",
            task_queue=task_queue,
        )
        j = Journey(workflow_env, handle, services)
        await j.settle()
        first_run = (await handle.describe()).run_id
        # Lab results that leave screening open (no eligibility assessment yet), until the guard trips.
        for _ in range(30):
            await j.update(
                "record_lab_results",
                {"actor_id": "nurse.rahimi", "results": lab_results({"spo2": 98.0}, await j.now())},
            )
            if (await handle.describe()).run_id != first_run:
                break
        assert (await handle.describe()).run_id != first_run, "the guard never tripped"
        state = await j.state()
        assert state.stage is Stage.SCREENING and state.run_count == 2
        # Past the reminder, which the new run sends once.
        await j.advance(timedelta(days=DEFAULT_PROTOCOL.screening.reminder_after_days) + DAY)
        await pass_screening(j)
        state, timeline = await j.state(), await j.timeline()
    assert state.stage is Stage.BASELINE
    sequences = sorted(e.sequence for e in services.events)
    assert sequences == list(range(1, len(sequences) + 1))
    ordered = [
        e for e in services.events if e.type is EventType.LABS_ORDERED and e.payload.get("purpose") == "screening"
    ]
    assert len(ordered) == 1
    reminders = [e for e in services.events if e.type is EventType.ESCALATION_RAISED]
    assert len(reminders) == 1
    # The carried timeline is the whole journey's, as the store's record is.
    assert [entry.sequence for entry in timeline] == sequences
