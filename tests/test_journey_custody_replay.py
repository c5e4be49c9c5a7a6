"""Both sides of workflow.patched(CHAIN_OF_CUSTODY) replay (tests/test_journey_replay.py replays every
committed history); here: what the patch changes for a journey enrolled after it."""

from __future__ import annotations

from pathlib import Path

from history_events import journey_event_types, patch_ids

from workflows.journey import CHAIN_OF_CUSTODY

HISTORY_DIR = Path(__file__).parent / "histories"
BEFORE = HISTORY_DIR / "journey-bedside-before-chain-of-custody.json"
AFTER = HISTORY_DIR / "journey-bedside-with-chain-of-custody.json"
CUSTODY_EVENTS = {
    "ChainOfIdentityAssigned",
    "UnitLabelled",
    "CustodyHandoffRecorded",
    "ChainOfIdentityIncident",
    "BedsideVerificationRecorded",
}


def test_chain_of_custody_reaches_only_journeys_enrolled_after_it():
    """The same staff actions to infusion 1. Before the patch the infusion is recorded alone; after
    it the journey assigns a COI at enrolment, labels the specimen and three bags, records the bag's
    handoffs, a wrong bag at the bedside as an incident, and two people's check before the infusion."""
    before, after = journey_event_types(BEFORE), journey_event_types(AFTER)
    assert CHAIN_OF_CUSTODY not in patch_ids(BEFORE)
    assert CHAIN_OF_CUSTODY in patch_ids(AFTER)
    assert CUSTODY_EVENTS.isdisjoint(before)
    assert after.index("ChainOfIdentityAssigned") < after.index("LabResultsRecorded")
    assert after.count("UnitLabelled") == 4  # the specimen and one bag per planned infusion
    assert after.count("ChainOfIdentityIncident") == 1
    assert after.count("BedsideVerificationRecorded") == 2
    assert after.index("BedsideVerificationRecorded") < after.index("InfusionAdministered")
    assert before.count("InfusionAdministered") == after.count("InfusionAdministered") == 1
