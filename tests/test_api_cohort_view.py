"""What the board and the due list make of due actions, at a fixed time: nothing here can
wait weeks for a real window to close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from itc.api.cohort_view import board_rows, due_buckets
from itc.api.schemas import ParticipantSummary
from itc.api.templating import templates
from itc.models.enums import Stage
from itc.models.state import DueAction, JourneyStatus

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def due(action: str, label: str, days: float, window_days: float | None = None) -> DueAction:
    at = NOW + timedelta(days=days)
    window = timedelta(days=window_days) if window_days is not None else None
    return DueAction(
        action=action,
        label=label,
        due_at=at,
        window_start=at - window if window else None,
        window_end=at + window if window else None,
    )


def status(stage: Stage, *items: DueAction, entered_days_ago: int = 3) -> JourneyStatus:
    # Only what the views read; the full model belongs to the workflow and may grow.
    return JourneyStatus.model_construct(
        stage=stage, next_due=list(items), stage_entered_at=NOW - timedelta(days=entered_days_ago)
    )


def summary(participant_id: str, stage: Stage, **fields: object) -> ParticipantSummary:
    return ParticipantSummary(participant_id=participant_id, stage=stage.value, protocol_version="itc-1.0", **fields)


def test_an_action_is_overdue_only_once_its_window_has_closed() -> None:
    statuses = {
        "ITC-001": status(Stage.INFUSION, due("infusion", "Infusion 2", days=-1, window_days=2)),
        "ITC-002": status(Stage.INFUSION, due("infusion", "Infusion 2", days=-3, window_days=2)),
    }
    rows = board_rows([summary("ITC-001", Stage.INFUSION), summary("ITC-002", Stage.INFUSION)], statuses, NOW)
    assert [row.next_due.overdue for row in rows if row.next_due] == [False, True]
    assert rows[0].days_in_stage == 3


def test_due_list_buckets_and_leaves_out_milestones_that_are_not_late() -> None:
    statuses = {
        "ITC-001": status(
            Stage.INFUSION,
            due("toxicity_check", "Toxicity check day +1", days=-2),
            due("infusion", "Infusion 2", days=0.1, window_days=2),
            due("follow_up_scan", "Follow-up CT", days=5),
            due("follow_up_scan", "Far away", days=30),
        ),
        "ITC-002": status(
            Stage.MANUFACTURING,
            due("manufacturing_milestone", "Manufacturing: ipsc_qc_passed", days=2),
            due("manufacturing_milestone", "Manufacturing: fibroblasts_expanded", days=-1),
        ),
        "ITC-003": status(Stage.WITHDRAWN, due("infusion", "Never shown", days=0)),
        "ITC-004": None,  # did not answer in time
    }
    buckets = due_buckets(statuses, NOW)
    assert [(i.participant_id, i.label, i.kind) for i in buckets.overdue] == [
        ("ITC-001", "Toxicity check day +1", "Toxicity check"),
        ("ITC-002", "Manufacturing: fibroblasts_expanded", "Manufacturing milestone"),
    ]
    assert [i.label for i in buckets.today] == ["Infusion 2"]
    assert [(i.label, i.kind) for i in buckets.this_week] == [("Follow-up CT", "Visit")]


def test_an_overdue_row_is_marked_in_words_not_only_in_colour() -> None:
    statuses = {"ITC-001": status(Stage.BIOPSY, due("biopsy", "Skin biopsy (attempt 1)", days=-1))}
    rows = board_rows([summary("ITC-001", Stage.BIOPSY, worst_ae_grade=3, dlt=True, infusions_given=0)], statuses, NOW)
    html = templates.get_template("_board_table.html").render(rows=rows, now=NOW, stage="", site="")
    assert 'class="overdue"' in html
    assert '<span class="badge danger">Overdue</span> Skin biopsy (attempt 1)' in html
    assert "G3" in html and ">DLT<" in html
    assert "1</strong> with an overdue action" in html


def test_a_row_whose_journey_did_not_answer_falls_back_to_the_read_model() -> None:
    fallback = summary(
        "ITC-001", Stage.SCREENING, next_due_at=NOW - timedelta(days=1), next_due_action="screening_labs"
    )
    [row] = board_rows([fallback], {"ITC-001": None}, NOW)
    assert not row.live
    assert row.next_due is not None and row.next_due.overdue and row.next_due.label == "Screening labs"
