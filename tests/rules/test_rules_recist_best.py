"""RECIST 1.1 best overall response: Eisenhauer et al. 2009, section 4.4 and Table 3."""

from datetime import date, timedelta

import pytest

from itc.rules.recist_best import TimePoint, best_overall_response

START = date(2026, 1, 1)


def best(*points, sd_min=42, confirm=28):
    time_points = [TimePoint(assessed_on=START + timedelta(days=day), response=r) for day, r in points]
    return best_overall_response(time_points, START, confirmation_min_days=confirm, stable_disease_min_days=sd_min)


@pytest.mark.parametrize(
    ("second_day", "expected"),
    [(84 + 27, "SD"), (84 + 28, "CR")],
)
def test_cr_confirmed_only_at_least_four_weeks_later(second_day, expected):
    """RECIST 1.1 section 4.4: confirmation no less than 4 weeks after the criteria were first met."""
    assert best((84, "CR"), (second_day, "CR")).response == expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("CR", "CR", "CR"),
        ("CR", "PR", "PR"),
        ("CR", "SD", "SD"),
        ("CR", "PD", "SD"),
        ("CR", "NE", "SD"),
        ("PR", "CR", "PR"),
        ("PR", "PR", "PR"),
        ("PR", "SD", "SD"),
        ("PR", "PD", "SD"),
        ("PR", "NE", "SD"),
        ("NE", "NE", "NE"),
    ],
)
def test_recist_table_3_when_stable_disease_duration_is_met(first, second, expected):
    """RECIST 1.1 Table 3, first point 84 days after the start (SD minimum 42 days met), second 28 days later."""
    assert best((84, first), (112, second)).response == expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [("CR", "SD", "PD"), ("CR", "PD", "PD"), ("PR", "PD", "PD"), ("SD", "PD", "PD"), ("PR", "NE", "NE")],
)
def test_recist_table_3_when_stable_disease_duration_is_not_met(first, second, expected):
    """RECIST 1.1 Table 3, "otherwise PD": the first point is before the protocol's SD minimum."""
    assert best((30, first), (58, second), sd_min=60).response == expected


@pytest.mark.parametrize(("day", "expected"), [(41, "NE"), (42, "SD")])
def test_stable_disease_minimum_duration_boundary(day, expected):
    """RECIST 1.1 section 4.4: SD must be met at least the protocol-set minimum after the start."""
    result = best((day, "SD"))
    assert result.response == expected
    assert "42 days" in result.reason


def test_stable_disease_minimum_comes_from_the_protocol():
    assert best((50, "SD"), sd_min=56).response == "NE"
    assert best((50, "SD"), sd_min=49).response == "SD"


def test_ne_between_a_response_and_its_confirmation_neither_confirms_nor_breaks_it():
    """RECIST 1.1 section 4.4: only a later assessment showing the response confirms it."""
    assert best((84, "PR"), (100, "NE"), (112, "PR")).response == "PR"


def test_sd_between_responses_breaks_the_confirmation():
    assert best((84, "PR"), (100, "SD"), (112, "PR")).response == "SD"


def test_nothing_after_the_first_progression_counts():
    """RECIST 1.1 section 4.4: best response from the start of treatment until progression."""
    assert best((84, "PD"), (112, "CR"), (140, "CR")).response == "PD"


def test_unknown_code_is_refused():
    with pytest.raises(ValueError, match="time-point response"):
        best((84, "XX"))
