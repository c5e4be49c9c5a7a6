"""The dashboard's forms validate through the same input models, so a control character or a
non-finite or absurd limit typed into a form is shown on the form, naming the box."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from itc.actions import Action
from itc.api import forms
from itc.base.errors import validation_lines
from itc.models.inputs import RecordLabResultsInput, RecordSupervisorDecisionInput


def _shown(action: Action, model: type, values: dict[str, str], actor: str) -> list[str]:
    form = forms.record_input(action, values, actor)
    with pytest.raises(ValidationError) as refused:
        model.model_validate(form.data)
    return list(form.readable(validation_lines(refused.value)))


def test_a_bell_in_a_decision_reason_is_shown_naming_the_reason() -> None:
    values = {"decision": "off_study", "reason": "patient\x07 request"}
    assert _shown(Action.DECISION, RecordSupervisorDecisionInput, values, "sup.web") == [
        "reason: reason contains a control character (U+0007); remove it"
    ]


def test_a_textarea_reason_with_crlf_line_ends_is_accepted() -> None:
    form = forms.record_input(Action.DECISION, {"decision": "off_study", "reason": "line one\r\nline two"}, "sup.web")
    assert RecordSupervisorDecisionInput.model_validate(form.data).reason == "line one\nline two"


@pytest.mark.parametrize(
    ("limit", "shown"),
    [
        ("Infinity", "ALT upper_limit_normal: Input should be a finite number"),
        ("NaN", "ALT upper_limit_normal: Input should be a finite number"),
        ("1e308", "ALT: upper_limit_normal 1e+308 U/L for alt is outside the possible reference limits 0-200 U/L"),
    ],
)
def test_a_non_finite_or_absurd_limit_is_shown_naming_the_lab(limit: str, shown: str) -> None:
    values = {"collected_at": "2026-01-06T09:30", "lab.alt": "35", "lab.alt.limit": limit}
    lines = _shown(Action.LAB_RESULTS, RecordLabResultsInput, values, "nurse.web")
    assert any(line.startswith(shown) for line in lines), lines
