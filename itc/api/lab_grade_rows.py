"""The graded lab results of one participant, each with the CTCAE v5 clause that graded it.

Read from the permanent record: a lab-results event carries the grades the journey gave
(and, since full toxicity grading, the clause), so the page shows what the journey
acted on rather than grading again with today's rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itc.models.events import JourneyEvent
from itc.rules.lab_catalogue import LAB_SPECS, LabCode, LabSpec


@dataclass(frozen=True)
class LabGradeRow:
    code: str
    value: float | None
    unit: str | None
    collected_at: datetime
    grade: int
    clause: str | None


def lab_grade_rows(events: list[JourneyEvent]) -> list[LabGradeRow]:
    """Newest first; one row per graded result."""
    rows: list[LabGradeRow] = []
    for event in events:
        grades: dict[str, Any] = event.payload.get("ctcae_grades") or {}
        clauses: dict[str, Any] = event.payload.get("ctcae_clauses") or {}
        for result in event.payload.get("results") or []:
            code = str(result.get("code", ""))
            if code not in grades:
                continue
            spec = _spec(code)
            rows.append(
                LabGradeRow(
                    code=code,
                    value=result.get("value"),
                    unit=spec.unit if spec else None,
                    collected_at=_time(result.get("collected_at")) or event.occurred_at,
                    grade=int(grades[code]),
                    clause=clauses.get(code),
                )
            )
    return sorted(rows, key=lambda row: row.collected_at, reverse=True)


def _spec(code: str) -> LabSpec | None:
    try:
        return LAB_SPECS.get(LabCode(code))
    except ValueError:
        return None


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
