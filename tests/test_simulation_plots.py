"""The simulation's plots read without a key to the colours: censor marks that can be
counted, markers that tell planned infusions from given ones and progression from a
completed journey, and capacity lines with the weeks above them marked. Built from small
hand-made inputs; the full run's files are checked in test_simulation.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from itc.models.enums import EventType, Stage
from itc.models.state import JourneyStatus
from itc.rules.pfs import PfsResult
from itc.simulation.capacity import slots_held_by_week
from itc.simulation.parameters import CapacityParameters
from itc.simulation.plot_capacity import capacity_figure, plot_capacity
from itc.simulation.plot_pfs import pfs_figure
from itc.simulation.plot_swimlane import swimlane_figure
from itc.simulation.plotting import pyplot

START = datetime(2030, 1, 7, 9, tzinfo=UTC)


def legend_labels(fig: Any) -> list[str]:
    return [text.get_text() for axis in fig.axes if axis.get_legend() for text in axis.get_legend().get_texts()]


def final(days: int, event: bool) -> JourneyStatus:
    pfs = PfsResult(event=event, event_type="progression" if event else None, end_date=date(2030, 6, 1), days=days)
    return JourneyStatus.model_construct(pfs=pfs)


def test_kaplan_meier_censor_marks_are_tall_dark_ticks_named_with_their_count() -> None:
    """Kaplan & Meier 1958: a censored time is marked on the curve, not dropped."""
    statuses = {f"ITC-00{i}": final(days, event) for i, (days, event) in enumerate(
        [(40, True), (90, False), (120, True), (200, False), (260, False)])}  # fmt: skip
    fig = pfs_figure(statuses, "PFS")
    [censors] = [line for line in fig.axes[0].get_lines() if line.get_label().startswith("Censored")]
    assert censors.get_label() == "Censored (n = 3)"
    assert censors.get_marker() == "|" and censors.get_markersize() >= 14 and censors.get_markeredgewidth() >= 2
    assert len(censors.get_xdata()) == 3
    pyplot().close(fig)


def event(participant: str, sequence: int, kind: EventType, at: datetime, **payload: Any) -> dict[str, Any]:
    return {"participant_id": participant, "sequence": sequence, "type": kind, "occurred_at": at, "payload": payload}


def test_the_swimlane_tells_planned_from_given_infusions_and_progression_from_completion() -> None:
    day = timedelta(days=1)
    events = [
        event("ITC-001", 1, EventType.STAGE_CHANGED, START, to=Stage.INFUSION.value),
        event("ITC-001", 2, EventType.INFUSION_DUE, START + day, target_at=(START + 2 * day).isoformat()),
        event("ITC-001", 3, EventType.INFUSION_ADMINISTERED, START + 2 * day),
        event("ITC-001", 4, EventType.PROGRESSION_DOCUMENTED, START + 30 * day),
        event("ITC-001", 5, EventType.STAGE_CHANGED, START + 31 * day, to=Stage.OFF_STUDY.value),
        event("ITC-002", 1, EventType.STAGE_CHANGED, START, to=Stage.FOLLOW_UP.value),
        event("ITC-002", 2, EventType.STAGE_CHANGED, START + 40 * day, to=Stage.COMPLETED.value),
    ]
    fig = swimlane_figure(events, "Journeys")
    labels = legend_labels(fig)
    assert {"infusion planned", "infusion given", "progression", "journey completed", "infusion stage"} <= set(labels)
    handles = dict(zip(labels, fig.axes[0].get_legend().legend_handles, strict=True))
    planned, given = handles["infusion planned"], handles["infusion given"]
    assert planned.get_marker() == given.get_marker()
    assert planned.get_markerfacecolor() == "none" and given.get_markerfacecolor() != "none"  # hollow vs filled
    assert handles["progression"].get_marker() != handles["journey completed"].get_marker()
    pyplot().close(fig)


def test_the_capacity_plot_draws_each_capacity_and_marks_the_weeks_above_it(tmp_path: Path) -> None:
    weeks = [date(2030, 1, 7) + timedelta(weeks=n) for n in range(4)]
    rows = [
        {"week_start": w.isoformat(), "manufacturing_slots_held": held, "manufacturing_slots_in_use": in_progress,
         "infusion_chair_bookings": chairs, "ct_scan_bookings": 1, "biopsy_bookings": 0,
         "follow_up_visit_bookings": 0, "lab_orders": 0}
        for w, held, in_progress, chairs in zip(weeks, [2, 7, 8, 3], [9, 9, 9, 9], [1, 2, 5, 0], strict=True)
    ]  # fmt: skip
    # Runs in progress (9 every week) are above the slot capacity but not what it limits: the
    # over-capacity marks follow the slots held per week alone.
    capacity = CapacityParameters(manufacturing_slots=6, infusion_chairs_per_week=4, ct_scans_per_week=5)
    fig = capacity_figure(rows, capacity)
    labels = legend_labels(fig)
    assert {"Capacity: 6 slots/week", "Chair capacity: 4/week", "CT capacity: 5/week"} <= set(labels)
    top, bottom = fig.axes
    [over] = [line for line in top.get_lines() if line.get_label() == "Week over capacity"]
    assert list(over.get_ydata()) == [7, 8]
    [chairs_over] = [line for line in bottom.get_lines() if line.get_label() == "Chairs over capacity"]
    assert list(chairs_over.get_ydata()) == [5]
    pyplot().close(fig)
    plot_capacity(rows, capacity, tmp_path / "capacity.png")
    assert (tmp_path / "capacity.png").stat().st_size > 10_000


def test_slots_held_count_each_weeks_reservations_less_those_released() -> None:
    """The capacity plot's slot line limits runs started per week (the scheduling service's rule),
    so a released reservation frees its week and a release that freed nothing changes nothing."""

    def event(kind: EventType, reservation: str, week: date, **more: object) -> dict[str, object]:
        payload = {"reservation_id": reservation, "week_start": week.isoformat(), **more}
        return {"type": kind, "payload": payload}

    first, second = date(2030, 1, 7), date(2030, 1, 14)
    events = [
        event(EventType.MANUFACTURING_SLOT_RESERVED, "r1", first),
        event(EventType.MANUFACTURING_SLOT_RESERVED, "r2", first),
        event(EventType.MANUFACTURING_SLOT_RESERVED, "r3", second),
        event(EventType.MANUFACTURING_SLOT_RELEASED, "r1", first, released=True),
        event(EventType.MANUFACTURING_SLOT_RELEASED, "r9", second, released=False),
    ]
    assert slots_held_by_week(events) == {first: 1, second: 1}
