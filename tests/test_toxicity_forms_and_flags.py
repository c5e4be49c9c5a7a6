"""The dashboard form, the CLI flags and the participant page carry every ASTCT CRS and ICANS finding
and show each grade with the clause of the standard that produced it."""

from __future__ import annotations

from datetime import UTC, datetime

from itc.actions import Action
from itc.api import forms
from itc.api.lab_grade_rows import lab_grade_rows
from itc.api.templating import templates
from itc.cli.record import adverse_event
from itc.models.enums import EventType
from itc.models.events import JourneyEvent
from itc.models.inputs import RecordAdverseEventInput

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_crs_form_sends_masking_therapy_vasopressor_kinds_and_oxygen_device():
    """ASTCT CRS Consensus Grading: the form carries every finding the grade depends on."""
    values = {
        "term": "cytokine_release_syndrome",
        "category": "crs",
        "attribution": "possible",
        "onset_at": "2026-03-02T09:00",
        "crs.temperature_c": "37.2",
        "crs.fever_masked_by.tocilizumab": "on",
        "crs.hypotension": "on",
        "crs.vasopressor_kinds.norepinephrine": "on",
        "crs.vasopressor_kinds.vasopressin": "on",
        "crs.oxygen_device": "venturi_mask",
        "icans.ice_score": "9",  # ignored: not an ICANS event
    }
    data = forms.record_input(Action.ADVERSE_EVENT, values, "nurse.web").data
    assert data["crs"] == {
        "temperature_c": "37.2",
        "hypotension": True,
        "oxygen_device": "venturi_mask",
        "fever_masked_by": ["tocilizumab"],
        "vasopressor_kinds": ["norepinephrine", "vasopressin"],
    }
    assert "icans" not in data
    parsed = RecordAdverseEventInput.model_validate(data)
    assert parsed.crs is not None and parsed.crs.hypotension_present()


def test_icans_form_sends_every_domain():
    """ASTCT ICANS Consensus Grading: ICE, consciousness, seizure, motor, raised ICP."""
    values = {
        "term": "icans",
        "category": "icans",
        "attribution": "possible",
        "onset_at": "2026-03-02T09:00",
        "icans.ice_score": "",
        "icans.consciousness": "unarousable",
        "icans.seizure": "prolonged_over_5_minutes",
        "icans.motor_findings": "none",
        "icans.raised_intracranial_pressure": "papilloedema",
    }
    data = forms.record_input(Action.ADVERSE_EVENT, values, "nurse.web").data
    assert data["icans"] == {
        "consciousness": "unarousable",
        "seizure": "prolonged_over_5_minutes",
        "motor_findings": "none",
        "raised_intracranial_pressure": "papilloedema",
    }
    RecordAdverseEventInput.model_validate(data)


def test_adverse_event_form_renders_the_astct_choices():
    from itc.api.finding_choices import FINDING_CHOICES

    html = templates.get_template("forms/adverse-event.html").render(
        p="ae", values={}, ae_categories=[], attributions=[], finding_choices=FINDING_CHOICES
    )
    for name in (
        "crs.vasopressor_kinds.vasopressin",
        "crs.fever_masked_by.tocilizumab",
        "icans.raised_intracranial_pressure",
    ):
        assert f'name="{name}"' in html
    assert "Non-rebreather mask" in html and "Cushing&#39;s triad" in html


def test_cli_crs_and_icans_flags_split_lists_and_validate():
    fields = adverse_event(
        term="cytokine_release_syndrome",
        crs=[
            "temperature_c=37.0",
            "fever_masked_by=antipyretic,corticosteroid",
            "hypotension=true",
            "vasopressor_kinds=norepinephrine, phenylephrine",
            "oxygen_device=positive_pressure",
        ],
        icans=["consciousness=awakens_to_voice", "ice_score=5"],
    )
    assert fields["crs"]["vasopressor_kinds"] == ["norepinephrine", "phenylephrine"]
    assert fields["crs"]["fever_masked_by"] == ["antipyretic", "corticosteroid"]
    given = {key: value for key, value in fields.items() if value is not None and key != "icans"}
    parsed = RecordAdverseEventInput.model_validate(
        {**given, "actor_id": "nurse.a", "category": "crs", "attribution": "possible", "onset_at": T0}
    )
    assert parsed.crs is not None and len(parsed.crs.vasopressors_running()) == 2


def _lab_event(sequence: int, payload: dict) -> JourneyEvent:
    return JourneyEvent(
        participant_id="ITC-007",
        sequence=sequence,
        type=EventType.LAB_RESULTS_RECORDED,
        payload=payload,
        occurred_at=T0,
        recorded_at=T0,
        actor="nurse.a",
        protocol_version="1.0",
        workflow_id="journey-ITC-007",
        run_id="run-1",
    )


def test_participant_page_lab_grades_carry_their_clause():
    """CTCAE v5.0 ALT increased: the page shows "G0: 1.2 × baseline" as the journey graded it."""
    clause = "G0: 1.2 × baseline, below 1.5 × an abnormal baseline"
    event = _lab_event(
        9,
        {
            "results": [
                {"code": "alt", "value": 120.4, "collected_at": T0.isoformat()},
                {"code": "ecg", "interpretation": "normal", "collected_at": T0.isoformat()},
            ],
            "ctcae_grades": {"alt": 0},
            "ctcae_clauses": {"alt": clause},
        },
    )
    earlier = _lab_event(
        3,
        {
            "results": [{"code": "creatinine", "value": 1.0, "collected_at": "2026-02-01T09:00:00+00:00"}],
            "ctcae_grades": {"creatinine": 0},
        },
    )
    rows = lab_grade_rows([earlier, event])
    assert [(r.code, r.grade, r.clause, r.unit) for r in rows] == [
        ("alt", 0, clause, "U/L"),
        ("creatinine", 0, None, "mg/dL"),
    ]
