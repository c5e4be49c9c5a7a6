"""Capacity plot: manufacturing slots held and clinic bookings week by week, each against
the capacity line the lab or the site plans with; weeks above a line are marked.

A manufacturing slot is a run started in its week, so the slot capacity line is drawn against
the slots held per week; the runs in progress at once are drawn beside them for context, with
no capacity line, because the scheduling service does not limit them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from itc.simulation.parameters import CapacityParameters
from itc.simulation.plotting import pyplot, save

OVER = "#b10026"


def _capacity_line(axis: Any, capacity: int, label: str, colour: str) -> None:
    axis.axhline(capacity, color=colour, linestyle=(0, (6, 3)), linewidth=1.6, label=label, zorder=3)


def _mark_over(axis: Any, weeks: list[date], values: list[int], capacity: int, label: str) -> None:
    over = [(week, value) for week, value in zip(weeks, values, strict=True) if value > capacity]
    if over:
        axis.plot(
            [w for w, _ in over], [v for _, v in over], linestyle="none", marker="^", markersize=7,
            color=OVER, label=label, zorder=4,
        )  # fmt: skip


def plot_capacity(rows: list[dict[str, Any]], capacity: CapacityParameters, path: Path) -> None:
    save(capacity_figure(rows, capacity), path)


def capacity_figure(rows: list[dict[str, Any]], capacity: CapacityParameters) -> Any:
    plt = pyplot()
    weeks = [date.fromisoformat(r["week_start"]) for r in rows]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 6.8), sharex=True)

    held = [r["manufacturing_slots_held"] for r in rows]
    in_progress = [r["manufacturing_slots_in_use"] for r in rows]
    top.bar(weeks, held, width=6, color="#fdae6b", label="Slots held (runs started in the week)")
    top.step(weeks, in_progress, where="post", color="#d95f0e", linewidth=1.8, label="Runs in progress")
    _capacity_line(top, capacity.manufacturing_slots, f"Capacity: {capacity.manufacturing_slots} slots/week", "#7f2704")
    _mark_over(top, weeks, held, capacity.manufacturing_slots, "Week over capacity")
    top.set_ylabel("Manufacturing runs")
    top.set_title("Manufacturing slots held per week, against the lab's capacity, and runs in progress")
    top.set_ylim(0, max([*held, *in_progress, capacity.manufacturing_slots]) + 1.5)
    top.legend(loc="upper right", frameon=False)
    top.grid(axis="y", alpha=0.3)

    chairs = [r["infusion_chair_bookings"] for r in rows]
    scans = [r["ct_scan_bookings"] for r in rows]
    bottom.bar(weeks, chairs, width=6, color="#3182bd", label="Infusion chair bookings")
    bottom.plot(weeks, scans, color="#636363", linewidth=1, marker=".", markersize=3, label="CT scan bookings")
    _capacity_line(
        bottom,
        capacity.infusion_chairs_per_week,
        f"Chair capacity: {capacity.infusion_chairs_per_week}/week",
        "#08306b",
    )
    _capacity_line(bottom, capacity.ct_scans_per_week, f"CT capacity: {capacity.ct_scans_per_week}/week", "#252525")
    _mark_over(bottom, weeks, chairs, capacity.infusion_chairs_per_week, "Chairs over capacity")
    bottom.set_ylabel("Bookings")
    bottom.set_title("Infusion-chair and CT bookings per week, against the site's capacity")
    bottom.set_ylim(0, max([*chairs, *scans, capacity.infusion_chairs_per_week, capacity.ct_scans_per_week]) + 1.5)
    bottom.legend(loc="upper right", frameon=False, ncol=2)
    bottom.grid(axis="y", alpha=0.3)
    for axis in (top, bottom):
        axis.yaxis.get_major_locator().set_params(integer=True)
    fig.autofmt_xdate()
    return fig
