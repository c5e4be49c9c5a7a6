"""PFS censoring by the FDA guidance "Clinical Trial Endpoints for the Approval of Cancer Drugs and
Biologics" (2018), Table 2 (PFS censoring)."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itc.rules.pfs import TumourAssessment, progression_free_survival

START = date(2025, 1, 1)


def day(n: int) -> date:
    return START + timedelta(days=n)


def at(n: int, progression: bool = False, adequate: bool = True) -> TumourAssessment:
    return TumourAssessment(assessed_on=day(n), progression=progression, adequate=adequate)


def pfs(assessments, missed=(), death=None, therapy=None, threshold=2):
    return progression_free_survival(
        START,
        assessments,
        [day(n) for n in missed],
        None if death is None else day(death),
        None if therapy is None else day(therapy),
        threshold,
    )


def test_fda_2018_documented_progression_is_the_event():
    result = pfs([at(84), at(168, progression=True)])
    assert (result.event, result.event_type, result.days) == (True, "progression", 168)


def test_fda_2018_death_before_progression_is_the_event():
    result = pfs([at(84)], death=120)
    assert (result.event, result.event_type, result.days) == (True, "death", 120)


def test_fda_2018_no_event_censors_at_the_last_adequate_assessment():
    result = pfs([at(84), at(168, adequate=False)])
    assert (result.event, result.end_date) == (False, day(84))


@pytest.mark.parametrize(("therapy_day", "end_day"), [(100, 84), (168, 168), (169, 168)])
def test_fda_2018_new_therapy_before_progression_censors_at_the_last_adequate_assessment_before_it(
    therapy_day, end_day
):
    """FDA 2018 Table 2: new anticancer treatment started, censored at the last adequate assessment
    prior to it; a scan on the day it starts is read as done before it."""
    result = pfs([at(84), at(168), at(252, progression=True)], therapy=therapy_day)
    assert result.event is False
    assert result.end_date == day(end_day)
    assert result.censor_reason.startswith(f"New anticancer therapy started on {day(therapy_day).isoformat()}")


def test_fda_2018_new_therapy_after_progression_does_not_censor():
    result = pfs([at(84), at(168, progression=True)], therapy=200)
    assert (result.event_type, result.days) == ("progression", 168)


def test_fda_2018_new_therapy_then_death_censors():
    result = pfs([at(84)], therapy=100, death=300)
    assert (result.event, result.end_date) == (False, day(84))


def test_fda_2018_new_therapy_before_any_assessment_censors_at_the_start():
    result = pfs([at(84, progression=True)], therapy=10)
    assert (result.event, result.end_date, result.days) == (False, START, 0)


@pytest.mark.parametrize(
    ("missed", "event"), [((), True), ((168,), True), ((168, 252), False), ((168, 252, 336), False)]
)
def test_fda_2018_progression_after_two_or_more_missed_assessments_is_censored(missed, event):
    """FDA 2018 Table 2: death or progression after more than one missed visit, censored at the last
    adequate assessment before them."""
    result = pfs([at(84), at(400, progression=True)], missed=missed)
    assert result.event is event
    if event:
        assert (result.event_type, result.days) == ("progression", 400)
    else:
        assert result.end_date == day(84)
        assert result.censor_reason.startswith(f"Progression on {day(400).isoformat()} followed {len(missed)} missed")


@pytest.mark.parametrize(("missed", "event"), [((168,), True), ((168, 252), False)])
def test_fda_2018_death_after_two_or_more_missed_assessments_is_censored(missed, event):
    result = pfs([at(84)], missed=missed, death=300)
    assert result.event is event
    assert result.end_date == (day(300) if event else day(84))


def test_missed_assessments_before_the_last_adequate_one_do_not_count():
    """Only visits missed between the last adequate assessment and the event censor it."""
    result = pfs([at(84), at(336), at(420, progression=True)], missed=(168, 252))
    assert (result.event, result.event_type) == (True, "progression")


def test_missed_threshold_comes_from_the_protocol():
    assert pfs([at(84), at(400, progression=True)], missed=(168, 252), threshold=3).event is True


def test_death_before_start_is_refused():
    with pytest.raises(ValueError, match="before the PFS start"):
        pfs([], death=-1)


@settings(deadline=None)  # a shared, loaded machine must not fail a pure property on time
@given(st.lists(st.tuples(st.integers(1, 700), st.booleans(), st.booleans()), max_size=8), st.integers(1, 700))
def test_censored_records_never_end_after_the_new_therapy(points, therapy_day):
    """FDA 2018 Table 2: nothing after the new therapy starts can end a censored record."""
    assessments = [at(n, progression=p, adequate=a) for n, p, a in points]
    result = pfs(assessments, therapy=therapy_day)
    assert result.end_date <= day(therapy_day)
    if result.event:
        assert result.event_type == "progression"
