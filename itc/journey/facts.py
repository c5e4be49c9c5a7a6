"""Facts derived from the journey state: what is next, what is open, what holds an infusion.

Pure functions of the state (and a time passed in), shared by the stages, the
validators and the status view so they can never disagree.
"""

from __future__ import annotations

import calendar
from datetime import datetime

from itc.journey import lab_grades
from itc.models.enums import AeCategory
from itc.models.state import (
    AdverseEventRecord,
    BiopsyAttempt,
    InfusionRecord,
    JourneyState,
    MilestoneRecord,
)
from itc.rules import holds
from itc.rules.lab_catalogue import NON_HAEMATOLOGICAL_LABS, LabCode


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months, clamping the day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def next_milestone(biopsy: BiopsyAttempt) -> MilestoneRecord | None:
    return next((m for m in biopsy.milestones if m.occurred_at is None), None)


def pending_infusion(state: JourneyState) -> InfusionRecord | None:
    return next((i for i in state.infusions if i.administered_at is None and not i.skipped), None)


def open_adverse_events(state: JourneyState) -> list[AdverseEventRecord]:
    return [ae for ae in state.adverse_events if ae.resolved_at is None]


def lab_grade(state: JourneyState, code: LabCode) -> int:
    return lab_grades.latest_grade(state, code)


def hold_reason(state: JourneyState) -> str | None:
    """Why the next infusion must wait, or None (see itc.rules.holds)."""
    toxicities = [
        holds.OpenToxicity(
            ae_id=ae.ae_id, term=ae.term, grade=ae.grade, haematological=ae.category is AeCategory.HAEMATOLOGICAL
        )
        for ae in open_adverse_events(state)
    ]
    grades = {code: lab_grade(state, code) for code in NON_HAEMATOLOGICAL_LABS}
    return holds.hold_reason(toxicities, grades, state.protocol.infusions.hold_grade_threshold)


def nadir_sum_mm(state: JourneyState) -> float:
    return min(scan.sum_mm for scan in state.scans)


def in_dlt_window(state: JourneyState, at: datetime) -> bool:
    first = state.first_infusion_at
    if first is None or at < first:
        return False
    return state.dlt_window_ends_at is None or at <= state.dlt_window_ends_at


def require_biopsy(state: JourneyState) -> BiopsyAttempt:
    """The current biopsy attempt, in the stages where there always is one."""
    biopsy = state.current_biopsy
    if biopsy is None:
        raise ValueError(f"{state.participant_id} has no biopsy attempt in stage {state.stage.value}")
    return biopsy


def stage_entered_at(state: JourneyState, now: datetime) -> datetime:
    return state.stage_entered_at or now
