"""Both sides of the bag-discard-decision amendment replay (tests/test_journey_replay.py replays
every committed history); here: what it changes for a journey whose bag quality discards."""

from __future__ import annotations

from pathlib import Path

from history_events import journey_event_types, patch_ids

from itc.journey.amendments import BAG_DISCARD_DECISION

HISTORY_DIR = Path(__file__).parent / "histories"
BEFORE = HISTORY_DIR / "journey-bag-discard-before-decision.json"
AFTER = HISTORY_DIR / "journey-bag-discard-with-decision.json"


def test_a_discarded_bag_opens_a_decision_only_in_journeys_that_adopted_it():
    """The same discard of bag 1. Before the amendment the supervisor is told and nothing follows;
    after it the supervisor's decision (a bag re-made from the banked line) labels a replacement
    bag and moves infusion 1 to when that bag can be ready."""
    before, after = journey_event_types(BEFORE), journey_event_types(AFTER)
    assert BAG_DISCARD_DECISION not in patch_ids(BEFORE)
    assert BAG_DISCARD_DECISION in patch_ids(AFTER)
    for events in (before, after):
        assert events.count("QualityDecisionRecorded") == 1
        assert "EscalationRaised" in events[events.index("QualityDecisionRecorded") :]
    assert "SupervisorDecisionRecorded" not in before and "InfusionReplanned" not in before
    decided = after.index("SupervisorDecisionRecorded")
    assert after[decided:].count("UnitLabelled") == 1
    assert after[decided:].index("InfusionReplanned") > after[decided:].index("UnitLabelled")
