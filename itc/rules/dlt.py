"""The dose-limiting toxicity definition and its window."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from itc.rules.config import DltDefinition

_FATAL_GRADE = 5


class DltCategory(StrEnum):
    HAEMATOLOGICAL = "haematological"
    NON_HAEMATOLOGICAL = "non_haematological"
    CRS = "crs"
    ICANS = "icans"


def is_dlt_event(category: str, grade: int, at_least_possibly_related: bool, definition: DltDefinition) -> bool:
    """Whether one graded event is a DLT on its own.

    Haematological grade 4 is a DLT only once it has lasted long enough; use
    haematological_dlt for that, because one event carries no duration.
    """
    try:
        cat = DltCategory(category)
    except ValueError:
        known = ", ".join(c.value for c in DltCategory)
        raise ValueError(f"unknown DLT category {category!r}; expected one of {known}") from None
    if not 0 <= grade <= _FATAL_GRADE:
        raise ValueError(f"grade must be 0-{_FATAL_GRADE}, got {grade}")
    if grade == _FATAL_GRADE and at_least_possibly_related:
        return True
    if cat in (DltCategory.CRS, DltCategory.ICANS):
        # CRS and ICANS are on-target effects of the cells, so attribution is not asked.
        return grade >= definition.crs_icans_min_grade
    if cat == DltCategory.NON_HAEMATOLOGICAL:
        return grade >= definition.non_haematological_min_grade and at_least_possibly_related
    return False


def is_haematological_dlt_grade(grade: int, definition: DltDefinition) -> bool:
    """Whether a haematological event is severe enough to start the duration that makes it a DLT."""
    return grade >= definition.haematological_grade


def haematological_dlt(grade4_since: datetime, still_grade4_at: datetime, definition: DltDefinition) -> bool:
    if still_grade4_at < grade4_since:
        raise ValueError("still_grade4_at is before grade4_since")
    return still_grade4_at - grade4_since > timedelta(days=definition.haematological_min_duration_days)


def dlt_window_end(last_infusion_at: datetime, definition: DltDefinition) -> datetime:
    return last_infusion_at + timedelta(days=definition.window_days_after_last_infusion)
