"""The participant page's immune-function and tumour-marker section: a table of values against
baseline and a small plot of the change, from the journey's status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.journey_builders import T0, infused_state

from itc.api import participant_view
from itc.api.templating import templates
from itc.journey.status import build_status
from itc.models.state import RecordedMeasurement
from itc.rules.lab_catalogue import LabCode


def test_the_section_shows_each_value_with_its_change_and_a_plot():
    state = infused_state(infusions_given=2)
    for day, value in ((-2, 200.0), (13, 300.0)):
        state.measurements.append(
            RecordedMeasurement(
                sequence=1, code=LabCode.NK_CD56_CD3NEG, collected_at=T0 + timedelta(days=day), value=value
            )
        )
    state.measurements.append(
        RecordedMeasurement(sequence=1, code=LabCode.CEA, collected_at=T0 - timedelta(days=2), value=4.0)
    )
    status = build_status(state)
    view = participant_view.build(status, [], [], datetime.now(UTC), state.protocol)
    html = templates.get_template("_outcome_values.html").render(status=status, view=view)
    assert "Immune function and tumour markers" in html
    assert "+100.0 cells/µL (+50 %)" in html
    assert "before infusion 2" in html
    assert html.count("<svg") == 1  # the CEA has only its baseline: nothing to plot
    assert "no change to plot yet" in html
    assert "<title>before infusion 2: +50 %</title>" in html


def test_without_values_the_section_says_so():
    state = infused_state()
    status = build_status(state)
    view = participant_view.build(status, [], [], datetime.now(UTC), state.protocol)
    html = templates.get_template("_outcome_values.html").render(status=status, view=view)
    assert "No immune-function or tumour-marker values yet." in html
