"""Replay protection for the trial's pause decisions to its journeys (issue 12, H2: "a single
journey can be un-paused"; the same numbering the trial applies to a journey's reports).

A pause signal's MAC proves a worker sent it, not that it is sent for the first time: anyone who
can read a journey's history or the wire could capture the safety pause and, after a supervisor
resumed the trial, send it again to stop one participant's infusions. The trial numbers its
decisions under the MAC; a journey takes them in increasing order only and refuses a repeat,
and an unnumbered one once it has had a numbered decision, into its audit trail.
"""

from __future__ import annotations

from fixtures_codec import SESSION_SIGNAL_KEYS
from journey_harness import MockServices, start_journey, worker_for

from itc.crypto.signal_macs import sign_signal
from itc.journey.notices import REPLAYED_PAUSE
from itc.models.enums import EventType
from itc.models.identity import SIGNAL_REPLAYED
from itc.models.trial import SetTrialPauseInput


async def test_a_captured_pause_sent_again_after_the_resume_is_refused_and_audited(workflow_env, task_queue):
    services = MockServices()
    async with worker_for(workflow_env.client, task_queue, services):
        j = await start_journey(workflow_env, task_queue, services)

        def signed(**fields: object) -> SetTrialPauseInput:
            return sign_signal(SESSION_SIGNAL_KEYS, "set_trial_pause", j.handle.id, SetTrialPauseInput(**fields))

        pause = signed(paused=True, reason="Safety stopping boundary met", pause_sequence=1)
        # As a journey from before numbering would get it: a genuine MAC, no number.
        unnumbered_pause = signed(paused=True, reason="Safety stopping boundary met")
        await j.handle.signal("set_trial_pause", pause)
        await j.settle()
        assert (await j.state()).trial_paused
        await j.handle.signal("set_trial_pause", signed(paused=False, reason="DSMB review done", pause_sequence=2))
        await j.settle()
        assert not (await j.state()).trial_paused
        # Captured and sent again, as they were.
        await j.handle.signal("set_trial_pause", pause)
        await j.handle.signal("set_trial_pause", unnumbered_pause)
        await j.settle()
        state = await j.state()
    assert not state.trial_paused
    changes = [e.payload["paused"] for e in services.events if e.type is EventType.TRIAL_PAUSE_CHANGED]
    assert changes == [True, False]
    refused = [e for e in services.events if e.type is EventType.ACTION_REFUSED]
    assert [(e.payload["update"], e.payload["refusal"], e.payload["message"], e.actor) for e in refused] == [
        ("set_trial_pause", SIGNAL_REPLAYED, REPLAYED_PAUSE, "unauthenticated"),
        ("set_trial_pause", SIGNAL_REPLAYED, REPLAYED_PAUSE, "unauthenticated"),
    ]


def test_a_journey_that_never_had_a_numbered_decision_takes_unnumbered_pauses_as_before():
    """So a journey recorded before the trial numbered its decisions replays unchanged."""
    from datetime import UTC, date, datetime

    from itc.drivers.env_journey import consent_record
    from itc.journey.moment import Moment
    from itc.journey.notices import trial_pause_changed
    from itc.models.state import JourneyState
    from itc.rules.config import ProtocolConfig

    state = JourneyState(consent=consent_record("ITC-710", date(2026, 12, 1)), protocol=ProtocolConfig())
    at = Moment(now=datetime(2026, 12, 1, 9, tzinfo=UTC), workflow_id="journey-ITC-710", run_id="run-1")
    trial_pause_changed(state, at, SetTrialPauseInput(paused=True, reason="Safety stopping boundary met"))
    assert state.trial_paused and state.trial_pause_sequence == 0
