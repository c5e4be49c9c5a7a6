"""The dashboard's views at a fixed time, without a stack: human labels, the worklist's
timing against each window, lab values with grades, the trial's boundary table, CSV
exports and the plots' words."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from itc.actions import ACTIONS, STAFF_ACTIONS
from itc.api import audit_view, lab_view, labels, trial_view, worklist
from itc.api.cohort_view import due_item
from itc.api.csv_export import csv_text
from itc.api.templating import templates
from itc.models.enums import EventType, Stage
from itc.models.events import JourneyEvent
from itc.models.state import DueAction, InfusionRecord, JourneyStatus
from itc.models.trial import RecordSaeClockInput, TrialStatus
from itc.rules.config import DEFAULT_PROTOCOL, SafetyStopping, StoppingRule

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


def status(participant_id: str, site: str, stage: Stage, *items: DueAction, **fields: Any) -> JourneyStatus:
    # Only what the views read; the full model belongs to the workflow and may grow.
    return JourneyStatus.model_construct(
        participant_id=participant_id, site=site, stage=stage, next_due=list(items), **fields
    )


# Human labels


def test_no_event_type_or_action_reads_as_an_identifier() -> None:
    for event_type in EventType:
        shown = labels.event_label(event_type)
        assert "_" not in shown and shown != event_type.value and shown[0].isupper(), shown
    for spec in ACTIONS.values():
        assert labels.action_label(spec.action) == spec.label
    for staff in STAFF_ACTIONS:
        assert labels.human(staff.update) == staff.label


def test_the_words_the_issue_found_on_pages_are_translated() -> None:
    assert labels.human("fibroblasts_expanded") == "Fibroblasts expanded"
    assert labels.field_label("metastasis_count") == "Number of metastases"
    assert labels.human("record_manufacturing_milestone") == "Manufacturing milestone"
    assert labels.event_label("LabResultsRecorded") == "Lab results recorded"
    assert labels.event_label("DltDetected") == "DLT detected"
    assert labels.readable("Lab results: creatinine, spo2, alt, ast") == "Lab results: Creatinine, SpO₂, ALT, AST"
    assert labels.readable("Manufacturing: ipsc_qc_passed") == "Manufacturing: iPSC QC passed"


def test_text_typed_by_staff_is_left_as_typed() -> None:
    assert labels.readable("AE-1 my_own_term grade 2") == "AE-1 my_own_term grade 2"


# The worklist


def test_each_item_is_early_on_time_late_or_missed_against_its_window() -> None:
    items = {
        "early": due("infusion", "Infusion 2", days=3, window_days=2),
        "open": due("infusion", "Infusion 2", days=-1, window_days=2),
        "closed": due("infusion", "Infusion 2", days=-3, window_days=2),
        "deadline ahead": due("sae_report", "SAE report", days=0.5),
        "deadline passed": due("sae_report", "SAE report", days=-0.5),
    }
    timings = {name: worklist.timing(due_item("ITC-001", item, NOW), NOW) for name, item in items.items()}
    assert timings == {
        "early": worklist.Timing.EARLY,
        "open": worklist.Timing.ON_TIME,
        "closed": worklist.Timing.MISSED,
        "deadline ahead": worklist.Timing.ON_TIME,
        "deadline passed": worklist.Timing.LATE,
    }


def test_the_worklist_sorts_by_horizon_and_filters_by_site_kind_timing_and_participant() -> None:
    statuses: dict[str, JourneyStatus | None] = {
        "ITC-001": status(
            "ITC-001",
            "TEHRAN-1",
            Stage.INFUSION,
            due("toxicity_check", "Toxicity check day +1", days=-2),
            due("infusion", "Infusion 2", days=3, window_days=2),
            due("follow_up_scan", "Far away", days=30, window_days=7),
        ),
        "ITC-002": status("ITC-002", "SHIRAZ-2", Stage.SCREENING, due("screening_labs", "Screening labs", days=0)),
        "ITC-003": None,
    }
    everything = worklist.worklist(statuses, NOW)
    assert [w.item.label for w in everything if w.horizon is worklist.Horizon.LATER] == ["Far away"]
    items = [w for w in everything if worklist.WorklistFilter().keeps(w)]
    assert [(w.participant_id, w.horizon, w.timing) for w in items] == [
        ("ITC-001", worklist.Horizon.OVERDUE, worklist.Timing.LATE),
        ("ITC-002", worklist.Horizon.TODAY, worklist.Timing.ON_TIME),
        ("ITC-001", worklist.Horizon.THIS_WEEK, worklist.Timing.EARLY),
    ]
    assert items[0].window.startswith("by 2026-03-08")
    assert items[2].window == "2026-03-11 12:00 UTC – 2026-03-15 12:00 UTC"
    site = worklist.WorklistFilter(site="SHIRAZ-2")
    assert [w.participant_id for w in items if site.keeps(w)] == ["ITC-002"]
    kind = worklist.WorklistFilter(kind="Infusion")
    assert [w.item.label for w in items if kind.keeps(w)] == ["Infusion 2"]
    early = worklist.WorklistFilter(timing="early", participant="itc-001")
    assert [w.item.label for w in items if early.keeps(w)] == ["Infusion 2"]


def test_the_worklist_prints_its_timing_in_words() -> None:
    statuses: dict[str, JourneyStatus | None] = {
        "ITC-001": status("ITC-001", "TEHRAN-1", Stage.INFUSION, due("toxicity_check", "Toxicity check", days=-2))
    }
    items = worklist.worklist(statuses, NOW)
    html = templates.get_template("_due_lists.html").render(sections=worklist.sections(items), unanswered=[])
    assert "timing-late" in html and ">Late<" in html and "TEHRAN-1" in html


# CSV


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted() -> None:
    """OWASP "CSV Injection": a cell starting with = + - @ gets a leading apostrophe; RFC 4180
    section 2: CRLF line ends, quotes around fields with commas."""
    text = csv_text(["A", "B", "C"], [("=HYPERLINK(1)", "a, b", -2), ("@x", None, NOW)])
    assert text.split("\r\n")[0] == "A,B,C"
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["'=HYPERLINK(1)", "a, b", "-2"]
    assert rows[2] == ["'@x", "", "2026-03-10T12:00:00Z"]


# Lab values


def lab_event(sequence: int, results: list[dict[str, Any]], grades: dict[str, int], **fields: Any) -> JourneyEvent:
    return JourneyEvent(
        participant_id="ITC-001",
        sequence=sequence,
        type=EventType.LAB_RESULTS_RECORDED,
        payload={"results": results, "ctcae_grades": grades},
        occurred_at=NOW,
        recorded_at=NOW,
        actor="nurse.x",
        protocol_version="itc-1.0",
        workflow_id="journey-ITC-001",
        run_id="r",
        **fields,
    )


def result(code: str, value: float, hours_ago: float, **fields: Any) -> dict[str, Any]:
    return {"code": code, "value": value, "collected_at": (NOW - timedelta(hours=hours_ago)).isoformat(), **fields}


def test_lab_values_show_unit_reference_range_and_the_ctcae_grade_the_journey_gave() -> None:
    """CTCAE v5: ALT > 5-20 x ULN is grade 3; the journey's grade is shown as recorded."""
    events = [
        lab_event(2, [result("alt", 30, 100, upper_limit_normal=40)], {"alt": 0}),
        lab_event(
            5,
            [result("alt", 250, 10, upper_limit_normal=40), result("creatinine", 0.9, 10)],
            {"alt": 3, "creatinine": 0},
        ),
    ]
    values = lab_view.lab_values(events, DEFAULT_PROTOCOL)
    rows = {row.code: row for row in lab_view.trends(values)}
    alt = rows["alt"]
    assert [v.value for v in alt.values] == [30, 250]
    assert (alt.latest.unit, alt.latest.reference_range, alt.latest.grade_label) == ("U/L", "≤ 40", "grade 3")
    assert alt.plot is not None and "ALT over time: 30, 250" in alt.plot and "<rect" in alt.plot
    creatinine = rows["creatinine"].latest
    assert (creatinine.reference_range, creatinine.limit_from_lab) == ("≤ 1.1", False)  # the protocol's default ULN
    assert creatinine.grade_label == "normal (grade 0)"


def test_a_grade_shows_the_clause_of_the_standard_that_produced_it() -> None:
    """CTCAE v5 ALT: "> 3.0 - 5.0 x baseline if baseline was abnormal" is grade 2."""
    event = lab_event(6, [result("alt", 170, 1, upper_limit_normal=40)], {"alt": 2})
    event.payload["ctcae_clauses"] = {"alt": "G2: 3.4 × baseline"}
    [value] = lab_view.lab_values([event], DEFAULT_PROTOCOL)
    assert value.grade_label == "grade 2: 3.4 × baseline"


def test_a_corrected_lab_result_is_replaced_by_its_correction() -> None:
    events = [
        lab_event(2, [result("creatinine", 9.0, 5)], {"creatinine": 4}),
        lab_event(3, [result("creatinine", 0.9, 5)], {"creatinine": 0}, corrects_sequence=2, reason="typo"),
    ]
    assert [v.value for v in lab_view.lab_values(events, DEFAULT_PROTOCOL)] == [0.9]


def test_pre_infusion_labs_are_held_against_the_72_hour_rule() -> None:
    """Protocol: every pre-infusion lab collected within 72 h before the infusion."""
    events = [
        lab_event(
            4,
            [result(code, 1.0 if code == "creatinine" else 100, hours)
             for code, hours in (("creatinine", 10), ("alt", 10), ("ast", 80), ("neutrophils", 10))],
            {},
        )
    ]  # fmt: skip
    values = lab_view.lab_values(events, DEFAULT_PROTOCOL)
    infusion = InfusionRecord(number=1, target_at=NOW, window_start=NOW, window_end=NOW + timedelta(days=2))
    journey = status("ITC-001", "T", Stage.INFUSION, infusions=[infusion], infusions_discontinued=False)
    [check] = lab_view.pre_infusion_checks(journey, values, DEFAULT_PROTOCOL, NOW)
    assert check.hours == 72 and not check.complete
    by_code = {lab.code: lab for lab in check.labs}
    assert by_code["creatinine"].ok and by_code["alt"].ok
    assert not by_code["ast"].ok and by_code["ast"].collected_at == NOW - timedelta(hours=80)
    assert not by_code["platelets"].ok and by_code["platelets"].collected_at is None


# The trial


def test_the_boin_boundary_table_matches_the_published_one_for_a_target_of_30_percent() -> None:
    """Liu & Yuan 2015 (BOIN), elimination boundary for phi = 0.3, Beta(1, 1) prior, cut-off
    0.95: eliminate at 3 3 4 4 5 5 5 6 6 7 7 8 DLTs for n = 3..14."""
    table = dict(trial_view.boundary_table(DEFAULT_PROTOCOL))
    assert [table[n] for n in range(3, 15)] == [3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 7, 8]
    assert table[1] is None and table[2] is None
    assert len(table) == DEFAULT_PROTOCOL.target_enrolment


def test_the_three_plus_three_boundary_table_follows_the_configured_rule() -> None:
    protocol = DEFAULT_PROTOCOL.model_copy(
        update={"safety_stopping": SafetyStopping(rule=StoppingRule.THREE_PLUS_THREE)}
    )
    table = dict(trial_view.boundary_table(protocol))
    assert [table[n] for n in (3, 6, 7, 9)] == [2, 2, 3, 4]


def trial_status(**fields: Any) -> TrialStatus:
    defaults: dict[str, Any] = dict(
        trial_id="T", protocol_version="itc-1.0", enrolled=12, target=32, participants=[], evaluable=6, dlts=2,
        stopping_rule="boin_elimination", boundary=4, decision="2 DLT(s) among 6", paused=False, pause_reason=None,
        open_sae_clocks=[], decisions=[],
    )  # fmt: skip
    return TrialStatus(**{**defaults, **fields})


def test_the_trial_view_marks_the_current_count_and_overdue_clocks_and_lists_deviations() -> None:
    clock = RecordSaeClockInput(
        participant_id="ITC-004", ae_id="AE-1", clock="sponsor_24h", due_at=NOW - timedelta(hours=1), status="open"
    )
    journeys: dict[str, JourneyStatus | None] = {
        "ITC-001": status("ITC-001", "T", Stage.INFUSION, deviations=["Infusion 2 given outside its window"]),
        "ITC-002": None,
    }
    view = trial_view.build(trial_status(open_sae_clocks=[clock]), DEFAULT_PROTOCOL, journeys, NOW)
    assert [row.evaluable for row in view.boundary if row.current] == [6]
    assert view.enrolment_percent == 38 and not view.at_boundary
    assert [(c.name, c.overdue) for c in view.clocks] == [("Sponsor report (24 h)", True)]
    assert [(d.participant_id, d.description) for d in view.deviations] == [
        ("ITC-001", "Infusion 2 given outside its window")
    ]
    assert view.unanswered == ["ITC-002"]
    assert "now 2 DLT(s) among 6 evaluable" in view.plot and "<polyline" in view.plot


# The audit trail


def test_the_audit_payload_reads_in_words() -> None:
    fields = audit_view.fields(
        {"milestone": "fibroblasts_expanded", "metastasis_count": 2, "results": [{"code": "spo2"}]}
    )
    assert fields == [
        ("Milestone", "Fibroblasts expanded"),
        ("Number of metastases", "2"),
        ("Results 1 · Code", "SpO₂"),
    ]
