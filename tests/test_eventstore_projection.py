"""The projection alone, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from eventstore_samples import EXPECTED_COMPLETED, PHI_PAYLOAD, completed_journey, event

from itc.eventstore.projection import apply_event, empty_status, replay
from itc.models.enums import EventType as T


def test_replay_of_a_completed_journey() -> None:
    assert replay(completed_journey()) == EXPECTED_COMPLETED


def test_consent_copies_site_and_date_but_no_phi() -> None:
    consent = completed_journey()[0]
    row = apply_event(None, consent)
    assert (row["site"], row["consent_date"].isoformat(), row["stage"]) == ("tehran-1", "2026-03-01", None)
    for value in PHI_PAYLOAD.values():
        assert value not in row.values()
    assert set(row) == set(empty_status("ITC-007", "1.0.0"))


def test_unknown_event_types_only_move_last_sequence() -> None:
    before = replay(completed_journey()[:8])
    assert before is not None
    after = apply_event(before, event("ITC-007", 9, T.ESCALATION_RAISED, {"to": "nobody", "grade": 5, "days": 1}))
    assert after == {**before, "last_sequence": 9}


def test_input_row_is_not_mutated() -> None:
    before = replay(completed_journey()[:18])
    assert before is not None
    snapshot = {**before, "ae_grades": dict(before["ae_grades"])}
    apply_event(before, event("ITC-007", 19, T.ADVERSE_EVENT_RECORDED, {"grade": 4}))
    assert before == snapshot


def test_next_due_is_set_and_cleared() -> None:
    row = apply_event(
        None,
        event(
            "ITC-001",
            1,
            T.INFUSION_DUE,
            {"next_due_at": "2026-05-01T10:00:00Z", "next_due_action": "infusion_1"},
        ),
    )
    assert (row["next_due_at"], row["next_due_action"]) == (
        datetime(2026, 5, 1, 10, tzinfo=UTC),
        "infusion_1",
    )
    row = apply_event(row, event("ITC-001", 2, T.INFUSION_ADMINISTERED, {"infusion_number": 1, "next_due_at": None}))
    assert (row["next_due_at"], row["next_due_action"], row["infusions_given"]) == (None, None, 1)


def test_a_correction_can_lower_the_worst_grade_but_a_new_ae_cannot() -> None:
    row = apply_event(None, event("ITC-001", 1, T.ADVERSE_EVENT_RECORDED, {"grade": 3}))
    row = apply_event(row, event("ITC-001", 2, T.ADVERSE_EVENT_RECORDED, {"grade": 1}))
    assert row["worst_ae_grade"] == 3
    row = apply_event(row, event("ITC-001", 3, T.ADVERSE_EVENT_RECORDED, {"grade": 2}, corrects=1, reason="typo"))
    assert (row["worst_ae_grade"], row["ae_grades"]) == (2, {"2": 1, "3": 2})


def test_journey_end_clears_what_is_due() -> None:
    row = apply_event(
        None,
        event(
            "ITC-001",
            1,
            T.INFUSION_DUE,
            {"next_due_at": "2026-05-01T10:00:00+00:00", "next_due_action": "infusion_1"},
        ),
    )
    row = apply_event(row, event("ITC-001", 2, T.JOURNEY_ENDED, {"reason": "withdrawn"}))
    assert (row["end_reason"], row["next_due_at"], row["next_due_action"]) == ("withdrawn", None, None)


def test_an_event_for_another_participant_is_refused() -> None:
    row = apply_event(None, event("ITC-001", 1, T.STAGE_CHANGED, {"from": None, "to": "screening"}))
    with pytest.raises(ValueError, match="ITC-002"):
        apply_event(row, event("ITC-002", 2, T.STAGE_CHANGED, {"from": None, "to": "screening"}))


def test_malformed_payload_values_leave_the_row_unchanged() -> None:
    before = replay(completed_journey()[:18])
    assert before is not None
    broken = [
        event("ITC-007", 19, T.STAGE_CHANGED, {"from": "infusion"}),
        event("ITC-007", 20, T.ADVERSE_EVENT_RECORDED, {"grade": "severe"}),
        event("ITC-007", 21, T.INFUSION_ADMINISTERED, {}),
        event("ITC-007", 22, T.PFS_DETERMINED, {"days": None}),
        event("ITC-007", 23, T.INFUSION_DUE, {"next_due_at": "next tuesday", "next_due_action": "infusion_3"}),
        event(
            "ITC-007",
            24,
            T.INFUSION_DUE,
            {"next_due_at": "2026-05-01T10:00:00", "next_due_action": "infusion_3"},
        ),
    ]
    after = before
    for e in broken:
        after = apply_event(after, e)
    assert after == {**before, "last_sequence": 24}
