"""Immune function and tumour markers as values: change from baseline per participant and for the cohort."""

from datetime import UTC, datetime, timedelta

import pytest

from itc.rules.config import MeasuredOutcomes
from itc.rules.lab_catalogue import LabCode
from itc.rules.outcome_change import Measurement, cohort_changes, marker_series

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
INFUSIONS = [T0, T0 + 14 * DAY, T0 + 28 * DAY]
RESPONSE_FROM = T0 + 28 * DAY + timedelta(hours=2)
FOLLOW_UP_FROM = T0 + 90 * DAY


def m(code: LabCode, day: float, value: float) -> Measurement:
    return Measurement(code=code, collected_at=T0 + day * DAY, value=value)


def series(measurements, **kwargs):
    return marker_series(
        measurements,
        MeasuredOutcomes(),
        kwargs.get("infusions", INFUSIONS),
        3,
        response_from=kwargs.get("response_from", RESPONSE_FROM),
        follow_up_from=kwargs.get("follow_up_from", FOLLOW_UP_FROM),
    )


def test_each_value_is_placed_at_its_time_point_with_change_from_baseline():
    nk = [m(LabCode.NK_CD56_CD3NEG, -10, 200.0), m(LabCode.NK_CD56_CD3NEG, -1, 250.0)]
    nk += [m(LabCode.NK_CD56_CD3NEG, 13, 300.0), m(LabCode.NK_CD56_CD3NEG, 27.5, 400.0)]
    nk += [m(LabCode.NK_CD56_CD3NEG, 84, 500.0), m(LabCode.NK_CD56_CD3NEG, 100, 275.0)]
    (result,) = series(nk)
    assert result.code is LabCode.NK_CD56_CD3NEG and result.unit == "cells/µL" and result.group == "immune panel"
    assert result.baseline == 250.0  # the last value before the first infusion
    rows = [(p.timepoint, p.value, p.change, p.percent_change) for p in result.points]
    assert rows == [
        ("baseline", 250.0, 0.0, 0.0),
        ("before infusion 2", 300.0, 50.0, 20.0),
        ("before infusion 3", 400.0, 150.0, 60.0),
        ("response", 500.0, 250.0, 100.0),
        ("follow-up 1", 275.0, 25.0, 10.0),
    ]


def test_follow_up_points_are_numbered_by_collection_day():
    values = [m(LabCode.CEA, -1, 4.0), m(LabCode.CEA, 95, 5.0), m(LabCode.CEA, 95.1, 6.0), m(LabCode.CEA, 180, 2.0)]
    (result,) = series(values)
    assert [(p.timepoint, p.value) for p in result.points] == [
        ("baseline", 4.0),
        ("follow-up 1", 6.0),  # the later value of the same day replaces the earlier
        ("follow-up 2", 2.0),
    ]


def test_without_a_baseline_there_is_no_change():
    (result,) = series([m(LabCode.IL_6, 13, 40.0)])
    assert result.baseline is None and result.points[0].change is None and result.points[0].percent_change is None


def test_a_zero_baseline_has_a_change_but_no_percentage():
    (result,) = series([m(LabCode.IFN_GAMMA, -1, 0.0), m(LabCode.IFN_GAMMA, 13, 12.0)])
    assert (result.points[1].change, result.points[1].percent_change) == (12.0, None)


def test_discontinued_infusions_put_later_values_at_response():
    values = [m(LabCode.CA15_3, -1, 40.0), m(LabCode.CA15_3, 40, 30.0)]
    (result,) = series(values, infusions=[T0], response_from=T0 + 30 * DAY)
    assert [p.timepoint for p in result.points] == ["baseline", "response"]
    assert result.points[1].percent_change == pytest.approx(-25.0)


def test_only_configured_codes_in_configured_order():
    values = [m(LabCode.CEA, -1, 4.0), m(LabCode.NK_CD56_CD3NEG, -1, 200.0), m(LabCode.ALT, -1, 30.0)]
    assert [s.code for s in series(values)] == [LabCode.NK_CD56_CD3NEG, LabCode.CEA]
    narrow = MeasuredOutcomes(immune_panel=(), cytokines=(), tumour_markers=(LabCode.CEA,))
    assert [s.code for s in marker_series(values, narrow, INFUSIONS, 3)] == [LabCode.CEA]


def test_cohort_medians_per_code_and_time_point():
    a = series([m(LabCode.NK_CD56_CD3NEG, -1, 100.0), m(LabCode.NK_CD56_CD3NEG, 40, 150.0)])
    b = series([m(LabCode.NK_CD56_CD3NEG, -1, 200.0), m(LabCode.NK_CD56_CD3NEG, 40, 200.0)])
    c = series([m(LabCode.NK_CD56_CD3NEG, -1, 300.0), m(LabCode.NK_CD56_CD3NEG, 40, 600.0)])
    summary = cohort_changes([a, b, c])
    assert [(s.timepoint, s.participants) for s in summary] == [("baseline", 3), ("response", 3)]
    response = summary[1]
    assert (response.median_value, response.median_change, response.median_percent_change) == (200.0, 50.0, 50.0)
    assert response.unit == "cells/µL"
