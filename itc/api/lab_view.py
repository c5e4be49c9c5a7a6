"""Lab values on a participant's page: each result with its unit, reference range and
CTCAE v5 grade as the journey graded it, a trend per lab, and the pre-infusion labs
against the protocol's window before an infusion (72 hours by default)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup

from itc.api import svg
from itc.api.labels import human
from itc.models.enums import EventType
from itc.models.events import JourneyEvent
from itc.models.state import JourneyStatus
from itc.rules.config import ProtocolConfig, ReferenceRanges
from itc.rules.lab_catalogue import LAB_SPECS, PRE_INFUSION_LABS, LabCode

# The protocol's default limit for a graded lab, used when the lab sent none (as the journey does).
_DEFAULT_LIMIT: dict[LabCode, tuple[str, str]] = {
    LabCode.ALT: ("upper", "alt_uln_u_l"),
    LabCode.AST: ("upper", "ast_uln_u_l"),
    LabCode.CREATININE: ("upper", "creatinine_uln_mg_dl"),
    LabCode.NEUTROPHILS: ("lower", "neutrophils_lln_per_mm3"),
    LabCode.PLATELETS: ("lower", "platelets_lln_per_mm3"),
}


def grade_text(code: str, grade: int | None, clause: str | None = None) -> str:
    """How a CTCAE grade reads on the page (the one place it is worded), with the clause of
    the standard that produced it where the journey recorded one ("G2: 3.4 × baseline")."""
    if grade is None:
        return "not graded"
    shown = "normal (grade 0)" if grade == 0 else f"grade {grade}"
    reason = clause.split(": ", 1)[-1] if clause else ""
    return f"{shown}: {reason}" if reason and grade else shown


@dataclass(frozen=True)
class LabValue:
    sequence: int
    code: str
    collected_at: datetime
    value: float | None
    interpretation: str | None
    unit: str | None
    lower: float | None
    upper: float | None
    limit_from_lab: bool
    grade: int | None
    clause: str | None = None

    @property
    def name(self) -> str:
        return human(self.code)

    @property
    def shown_value(self) -> str:
        if self.value is None:
            return human(self.interpretation)
        return f"{self.value:g}"

    @property
    def reference_range(self) -> str:
        if self.upper is not None:
            return f"≤ {self.upper:g}"
        if self.lower is not None:
            return f"≥ {self.lower:g}"
        return "—"

    @property
    def grade_label(self) -> str:
        return grade_text(self.code, self.grade, self.clause)


@dataclass(frozen=True)
class LabTrend:
    code: str
    values: list[LabValue]
    plot: Markup | None

    @property
    def name(self) -> str:
        return human(self.code)

    @property
    def latest(self) -> LabValue:
        return self.values[-1]


@dataclass(frozen=True)
class PreInfusionLab:
    code: str
    collected_at: datetime | None
    valid_until: datetime | None
    ok: bool

    @property
    def name(self) -> str:
        return human(self.code)


@dataclass(frozen=True)
class PreInfusionCheck:
    infusion_number: int
    reference: str  # "given at ..." or "if given now"
    at: datetime
    labs: list[PreInfusionLab]
    hours: int

    @property
    def complete(self) -> bool:
        return all(lab.ok for lab in self.labs)


def _current(events: list[JourneyEvent]) -> list[JourneyEvent]:
    """Lab result events in order, without those a later event corrects."""
    labs = [event for event in events if event.type is EventType.LAB_RESULTS_RECORDED]
    corrected = {event.corrects_sequence for event in labs if event.corrects_sequence is not None}
    return [event for event in labs if event.sequence not in corrected]


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _limits(code: LabCode, result: dict[str, Any], ranges: ReferenceRanges) -> tuple[float | None, float | None, bool]:
    upper, lower = result.get("upper_limit_normal"), result.get("lower_limit_normal")
    if upper is not None or lower is not None:
        return lower, upper, True
    default = _DEFAULT_LIMIT.get(code)
    if default is None:
        return None, None, False
    side, field = default
    limit = float(getattr(ranges, field))
    return (None, limit, False) if side == "upper" else (limit, None, False)


def lab_values(events: list[JourneyEvent], protocol: ProtocolConfig) -> list[LabValue]:
    values: list[LabValue] = []
    for event in _current(events):
        grades = event.payload.get("ctcae_grades") or {}
        clauses = event.payload.get("ctcae_clauses") or {}
        for result in event.payload.get("results") or []:
            try:
                code = LabCode(result.get("code"))
            except ValueError:
                continue
            collected = _time(result.get("collected_at")) or event.occurred_at
            lower, upper, from_lab = _limits(code, result, protocol.reference_ranges)
            values.append(
                LabValue(
                    sequence=event.sequence,
                    code=code.value,
                    collected_at=collected,
                    value=result.get("value"),
                    interpretation=result.get("interpretation"),
                    unit=LAB_SPECS[code].unit,
                    lower=lower,
                    upper=upper,
                    limit_from_lab=from_lab,
                    grade=grades.get(code.value),
                    clause=clauses.get(code.value),
                )
            )
    return sorted(values, key=lambda v: (v.collected_at, v.sequence))


def trends(values: list[LabValue]) -> list[LabTrend]:
    """One row per lab in catalogue order, its latest value first in view, with a plot of its
    numeric values over time."""
    by_code: dict[str, list[LabValue]] = defaultdict(list)
    for value in values:
        by_code[value.code].append(value)
    rows: list[LabTrend] = []
    for code in LabCode:
        series = by_code.get(code.value)
        if not series:
            continue
        numeric = [v for v in series if v.value is not None]
        plot = None
        if numeric:
            latest = numeric[-1]
            plot = svg.trend(
                [(v.collected_at, float(v.value)) for v in numeric if v.value is not None],
                label=f"{human(code)} over time: " + ", ".join(f"{v.value:g}" for v in numeric),
                upper=latest.upper,
                lower=latest.lower,
                flagged=[bool(v.grade) for v in numeric],
            )
        rows.append(LabTrend(code.value, series, plot))
    return rows


def _check(number: int, reference: str, at: datetime, values: list[LabValue], hours: int) -> PreInfusionCheck:
    window = timedelta(hours=hours)
    labs = []
    for code in PRE_INFUSION_LABS:
        within = [v for v in values if v.code == code.value and at - window <= v.collected_at <= at]
        latest = max(within, key=lambda v: v.collected_at) if within else None
        before = [v for v in values if v.code == code.value and v.collected_at <= at]
        shown = latest or (max(before, key=lambda v: v.collected_at) if before else None)
        labs.append(
            PreInfusionLab(
                code=code.value,
                collected_at=shown.collected_at if shown else None,
                valid_until=shown.collected_at + window if shown else None,
                ok=latest is not None,
            )
        )
    return PreInfusionCheck(number, reference, at, labs, hours)


def pre_infusion_checks(
    status: JourneyStatus, values: list[LabValue], protocol: ProtocolConfig, now: datetime
) -> list[PreInfusionCheck]:
    """Each given infusion against the labs before it, and the next one as if it were given now."""
    hours = protocol.infusions.pre_infusion_check_hours
    checks = []
    for infusion in status.infusions:
        if infusion.administered_at is not None:
            checks.append(_check(infusion.number, "given", infusion.administered_at, values, hours))
    pending = [i for i in status.infusions if i.administered_at is None and not i.skipped]
    if pending and not status.stage.is_terminal and not status.infusions_discontinued:
        checks.append(_check(pending[0].number, "if given now", now, values, hours))
    return checks
