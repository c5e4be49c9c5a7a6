from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itc.rules.pfs import TumourAssessment, compute_pfs

START = date(2025, 1, 1)


def at(days: int, progression: bool = False, adequate: bool = True) -> TumourAssessment:
    return TumourAssessment(assessed_on=START + timedelta(days=days), progression=progression, adequate=adequate)


def pfs(assessments, death_days=None, missed=0, threshold=2):
    death = None if death_days is None else START + timedelta(days=death_days)
    return compute_pfs(START, assessments, death, missed, threshold)


def test_first_progression_is_the_event():
    result = pfs([at(84), at(168, progression=True), at(252, progression=True)])
    assert result.event is True
    assert result.event_type == "progression"
    assert result.end_date == START + timedelta(days=168)
    assert result.days == 168
    assert result.censor_reason is None


def test_assessments_are_taken_in_date_order():
    result = pfs([at(252, progression=True), at(84), at(168, progression=True)])
    assert result.end_date == START + timedelta(days=168)


def test_progression_on_inadequate_scan_still_counts():
    result = pfs([at(84), at(168, progression=True, adequate=False)])
    assert (result.event_type, result.days) == ("progression", 168)


def test_progression_before_death_wins():
    result = pfs([at(84, progression=True)], death_days=100)
    assert (result.event_type, result.days) == ("progression", 84)


@pytest.mark.parametrize(("missed", "event"), [(0, True), (1, True), (2, False), (3, False)])
def test_death_after_missed_assessments(missed, event):
    result = pfs([at(84), at(168, adequate=False)], death_days=400, missed=missed)
    assert result.event is event
    if event:
        assert result.event_type == "death"
        assert result.end_date == START + timedelta(days=400)
        assert result.days == 400
        assert result.censor_reason is None
    else:
        assert result.event_type is None
        assert result.end_date == START + timedelta(days=84)
        assert result.days == 84
        assert result.censor_reason == (
            f"Death on 2026-02-05 followed {missed} missed assessments (censoring from 2); "
            "censored at the last adequate assessment on 2025-03-26."
        )


def test_missed_threshold_is_a_parameter():
    assert pfs([at(84)], death_days=200, missed=2, threshold=3).event_type == "death"
    assert pfs([at(84)], death_days=200, missed=3, threshold=3).event is False


def test_death_after_missed_with_no_adequate_assessment_censors_at_start():
    result = pfs([at(84, adequate=False)], death_days=300, missed=2)
    assert result.event is False
    assert result.end_date == START
    assert result.days == 0
    assert "censored at the start date" in result.censor_reason


def test_death_without_assessments_is_an_event():
    result = pfs([], death_days=30)
    assert (result.event, result.event_type, result.days) == (True, "death", 30)


def test_censored_at_last_adequate_assessment():
    result = pfs([at(84), at(168), at(252, adequate=False)])
    assert result.event is False
    assert result.event_type is None
    assert result.end_date == START + timedelta(days=168)
    assert result.days == 168
    assert result.censor_reason == (
        "No progression or death recorded; censored at the last adequate assessment on 2025-06-18."
    )


def test_censored_at_start_when_no_adequate_assessment():
    result = pfs([at(84, adequate=False)])
    assert (result.event, result.end_date, result.days) == (False, START, 0)
    assert result.censor_reason == (
        "No progression or death recorded; no adequate assessment after the start, so censored at the start date."
    )


def test_assessments_before_start_are_ignored():
    result = pfs([at(-10, progression=True), at(-5)])
    assert (result.event, result.end_date, result.days) == (False, START, 0)
    assert pfs([at(-10, progression=True), at(84, progression=True)]).days == 84


def test_assessment_on_start_day_counts():
    assert pfs([at(0, progression=True)]).days == 0


def test_death_before_start_raises():
    with pytest.raises(ValueError):
        pfs([], death_days=-1)


assessment_lists = st.lists(st.builds(at, st.integers(-60, 900), st.booleans(), st.booleans()), max_size=10)


@given(assessment_lists, st.one_of(st.none(), st.integers(0, 900)), st.integers(0, 4))
def test_pfs_days_never_negative_and_end_never_after_event(assessments, death_days, missed):
    result = pfs(assessments, death_days=death_days, missed=missed)
    assert result.days >= 0
    assert result.days == (result.end_date - START).days
    assert result.end_date >= START
    if death_days is not None:
        assert result.end_date <= START + timedelta(days=death_days)
    progressions = [a.assessed_on for a in assessments if a.progression and a.assessed_on >= START]
    if progressions:
        assert result.end_date <= min(progressions)
    assert result.event is (result.event_type is not None)
    assert (result.censor_reason is None) is result.event
