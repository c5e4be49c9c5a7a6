"""Both sides of workflow.patched(SLOT_WEEK_FOLLOWS_BIOPSY) replay (tests/test_journey_replay.py replays
every committed history); here: what the patch changes for the same journey, whose baseline ran past
the week of the slot reserved at eligibility."""

from __future__ import annotations

from pathlib import Path

from history_events import journey_event_types, patch_ids

from workflows.journey import MANUFACTURING_SLOTS, SLOT_WEEK_FOLLOWS_BIOPSY

HISTORY_DIR = Path(__file__).parent / "histories"
BEFORE = HISTORY_DIR / "journey-slot-week-passed-before-move.json"
AFTER = HISTORY_DIR / "journey-slot-week-passed-with-move.json"


def test_the_slot_moves_only_in_journeys_from_after_the_patch():
    """The same staff actions: eligibility, fifteen days of baseline, the biopsy. Before the patch
    the biopsy is booked with the passed week's slot; after it the slot is released and a new one
    reserved, the supervisor told, before the biopsy is collected."""
    before, after = journey_event_types(BEFORE), journey_event_types(AFTER)
    assert MANUFACTURING_SLOTS in patch_ids(BEFORE) and MANUFACTURING_SLOTS in patch_ids(AFTER)
    assert SLOT_WEEK_FOLLOWS_BIOPSY not in patch_ids(BEFORE)
    assert SLOT_WEEK_FOLLOWS_BIOPSY in patch_ids(AFTER)
    assert before.count("ManufacturingSlotReserved") == 1 and "ManufacturingSlotReleased" not in before
    assert after.count("ManufacturingSlotReserved") == 2 and after.count("ManufacturingSlotReleased") == 1
    assert after.index("BaselineCompleted") < after.index("ManufacturingSlotReleased")
    assert after.index("ManufacturingSlotReleased") < after.index("BiopsyCollected")
    moved = [t for t in after if t not in ("ManufacturingSlotReleased", "ManufacturingSlotReserved")]
    # Apart from the move and the supervisor's escalation, the journey recorded the same things.
    assert [t for t in moved if t != "EscalationRaised"] == [
        t for t in before if t not in ("ManufacturingSlotReserved", "EscalationRaised")
    ]
    assert moved.count("EscalationRaised") == before.count("EscalationRaised") + 1
