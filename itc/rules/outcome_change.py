"""Immune function and tumour markers as values: each participant's change from baseline, and the cohort's.

Baseline is the last value collected before the first infusion. Every later value is placed
at a time point the whole cohort shares: before infusion N (collected after infusion N-1 and
before infusion N), at response (after the last infusion, before follow-up begins) and at
follow-up K (the K-th collection day in follow-up), so participants can be summarised side by side.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from statistics import median

from pydantic import BaseModel, ConfigDict

from itc.rules.config import MeasuredOutcomes
from itc.rules.lab_catalogue import LAB_SPECS, LabCode

BASELINE = "baseline"
RESPONSE = "response"


class Measurement(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: LabCode
    collected_at: datetime
    value: float


class ChangePoint(BaseModel):
    model_config = ConfigDict(frozen=True)
    timepoint: str
    collected_at: datetime
    value: float
    change: float | None  # value minus baseline; None without a baseline
    percent_change: float | None  # None without a baseline, or when it was 0


class MarkerSeries(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: LabCode
    group: str  # immune panel, cytokine or tumour marker
    unit: str
    baseline: float | None
    points: tuple[ChangePoint, ...]


class CohortChange(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: LabCode
    unit: str
    timepoint: str
    participants: int
    median_value: float
    median_change: float | None
    median_percent_change: float | None


def timepoint_order(timepoint: str) -> tuple[int, int]:
    """Baseline, before infusion 2, 3..., response, follow-up 1, 2...: the order to show them in."""
    if timepoint == BASELINE:
        return (0, 0)
    if timepoint.startswith("before infusion "):
        return (1, int(timepoint.rsplit(" ", 1)[1]))
    if timepoint == RESPONSE:
        return (2, 0)
    return (3, int(timepoint.rsplit(" ", 1)[1]))


def _timepoint(
    collected_at: datetime,
    infusions: list[datetime],
    planned_infusions: int,
    response_from: datetime | None,
    follow_up_from: datetime | None,
) -> str | None:
    given = sum(1 for at in infusions if at <= collected_at)
    if given == 0:
        return BASELINE
    if follow_up_from is not None and collected_at >= follow_up_from:
        return None  # follow-up points are numbered by collection day
    if (response_from is not None and collected_at >= response_from) or given >= planned_infusions:
        return RESPONSE
    return f"before infusion {given + 1}"


def marker_series(
    measurements: list[Measurement],
    outcomes: MeasuredOutcomes,
    infusions_given_at: list[datetime],
    planned_infusions: int,
    response_from: datetime | None = None,
    follow_up_from: datetime | None = None,
) -> list[MarkerSeries]:
    """One series per configured code that has a value, in the configured order.

    `response_from` and `follow_up_from` are when the journey entered those stages (None
    before). Within a time point the latest value counts (a repeat or a correction replaces
    the earlier one).
    """
    infusions = sorted(infusions_given_at)
    groups = (
        [(code, "immune panel") for code in outcomes.immune_panel]
        + [(code, "cytokine") for code in outcomes.cytokines]
        + [(code, "tumour marker") for code in outcomes.tumour_markers]
    )
    series: list[MarkerSeries] = []
    for code, group in groups:
        values = sorted((m for m in measurements if m.code is code), key=lambda m: m.collected_at)
        if not values:
            continue
        placed: dict[str, Measurement] = {}
        follow_up_days: list[date] = []
        for m in values:
            point = _timepoint(m.collected_at, infusions, planned_infusions, response_from, follow_up_from)
            if point is None:
                if not follow_up_days or follow_up_days[-1] != m.collected_at.date():
                    follow_up_days.append(m.collected_at.date())
                point = f"follow-up {len(follow_up_days)}"
            placed[point] = m
        base = placed.get(BASELINE)
        baseline = base.value if base else None
        points = tuple(
            ChangePoint(
                timepoint=name,
                collected_at=m.collected_at,
                value=m.value,
                change=None if baseline is None else m.value - baseline,
                percent_change=None if not baseline else 100.0 * (m.value - baseline) / baseline,
            )
            for name, m in sorted(placed.items(), key=lambda item: timepoint_order(item[0]))
        )
        series.append(
            MarkerSeries(code=code, group=group, unit=LAB_SPECS[code].unit or "", baseline=baseline, points=points)
        )
    return series


def cohort_changes(per_participant: list[list[MarkerSeries]]) -> list[CohortChange]:
    """Median value, change and percentage change per code and time point, over the participants with one."""
    gathered: dict[tuple[LabCode, str], list[ChangePoint]] = defaultdict(list)
    units: dict[LabCode, str] = {}
    for series_list in per_participant:
        for series in series_list:
            units[series.code] = series.unit
            for point in series.points:
                gathered[(series.code, point.timepoint)].append(point)
    summary: list[CohortChange] = []
    order = {code: i for i, code in enumerate(units)}
    for (code, timepoint), points in sorted(
        gathered.items(), key=lambda item: (order[item[0][0]], timepoint_order(item[0][1]))
    ):
        changes = [p.change for p in points if p.change is not None]
        percents = [p.percent_change for p in points if p.percent_change is not None]
        summary.append(
            CohortChange(
                code=code,
                unit=units[code],
                timepoint=timepoint,
                participants=len(points),
                median_value=median(p.value for p in points),
                median_change=median(changes) if changes else None,
                median_percent_change=median(percents) if percents else None,
            )
        )
    return summary
