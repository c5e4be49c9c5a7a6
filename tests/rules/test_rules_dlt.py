from datetime import UTC, datetime, timedelta

import pytest

from itc.rules.config import DltDefinition
from itc.rules.dlt import dlt_window_end, haematological_dlt, is_dlt_event

DEFAULT = DltDefinition()


@pytest.mark.parametrize(
    ("category", "grade", "related", "dlt"),
    [
        ("non_haematological", 1, True, False),
        ("non_haematological", 2, True, False),
        ("non_haematological", 3, True, True),
        ("non_haematological", 4, True, True),
        ("non_haematological", 5, True, True),
        ("non_haematological", 3, False, False),
        ("non_haematological", 4, False, False),
        ("non_haematological", 5, False, False),
        ("crs", 2, True, False),
        ("crs", 3, True, True),
        ("crs", 3, False, True),
        ("crs", 4, False, True),
        ("crs", 5, False, True),
        ("icans", 1, True, False),
        ("icans", 2, False, False),
        ("icans", 3, False, True),
        ("icans", 4, True, True),
        ("haematological", 3, True, False),
        ("haematological", 4, True, False),
        ("haematological", 4, False, False),
        ("haematological", 5, True, True),
        ("haematological", 5, False, False),
        ("crs", 0, True, False),
    ],
)
def test_is_dlt_event(category, grade, related, dlt):
    assert is_dlt_event(category, grade, related, DEFAULT) is dlt


def test_thresholds_come_from_definition():
    strict = DltDefinition(non_haematological_min_grade=2, crs_icans_min_grade=2)
    assert is_dlt_event("non_haematological", 2, True, strict) is True
    assert is_dlt_event("crs", 2, False, strict) is True
    assert is_dlt_event("icans", 1, False, strict) is False


@pytest.mark.parametrize(("category", "grade"), [("cardiac", 3), ("", 3), ("crs", 6), ("crs", -1)])
def test_invalid_inputs_raise(category, grade):
    with pytest.raises(ValueError):
        is_dlt_event(category, grade, True, DEFAULT)


START = datetime(2025, 1, 10, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("duration", "dlt"),
    [
        (timedelta(0), False),
        (timedelta(days=6, hours=23), False),
        (timedelta(days=7), False),
        (timedelta(days=7, seconds=1), True),
        (timedelta(days=8), True),
    ],
)
def test_haematological_duration(duration, dlt):
    assert haematological_dlt(START, START + duration, DEFAULT) is dlt


def test_haematological_duration_from_definition():
    short = DltDefinition(haematological_min_duration_days=3)
    assert haematological_dlt(START, START + timedelta(days=3), short) is False
    assert haematological_dlt(START, START + timedelta(days=3, seconds=1), short) is True


def test_haematological_reversed_times_raise():
    with pytest.raises(ValueError):
        haematological_dlt(START, START - timedelta(seconds=1), DEFAULT)


def test_dlt_window_end():
    assert dlt_window_end(START, DEFAULT) == datetime(2025, 2, 7, 8, 0, tzinfo=UTC)
    assert dlt_window_end(START, DltDefinition(window_days_after_last_infusion=14)) == datetime(
        2025, 1, 24, 8, 0, tzinfo=UTC
    )
