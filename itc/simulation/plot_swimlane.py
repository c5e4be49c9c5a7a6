"""Swimlane chart: one lane per participant, stages coloured over calendar time, with
infusions (planned and given), DLTs, progression and the journey's end marked. Read from
the event store.

Every marker differs in shape, not only in colour: a planned infusion is a hollow triangle
and a given one the same triangle filled; progression is a filled plus, nothing like the
dot of a completed journey; the legend names each."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from itc.models.enums import EventType, Stage
from itc.simulation.outcomes import events_by_participant
from itc.simulation.plotting import pyplot, save

STAGE_COLOURS = {
    Stage.SCREENING.value: "#c6dbef",
    Stage.BASELINE.value: "#9ecae1",
    Stage.BIOPSY.value: "#fdd0a2",
    Stage.MANUFACTURING.value: "#fd8d3c",
    Stage.INFUSION.value: "#de2d26",
    Stage.RESPONSE_ASSESSMENT.value: "#a1d99b",
    Stage.FOLLOW_UP.value: "#31a354",
}
END_MARKERS = {
    Stage.COMPLETED.value: ("o", "#252525", "journey completed"),
    Stage.SCREEN_FAILED.value: ("x", "#737373", "screen failed"),
    Stage.OFF_STUDY.value: ("s", "#756bb1", "off study"),
    Stage.WITHDRAWN.value: ("^", "#8c6d31", "withdrawn"),
    Stage.DECEASED.value: ("X", "#000000", "deceased"),
}
INFUSION_MARK = "#08306b"
PLANNED = "planned"
# marker, face colour, edge colour, legend label, size; a face of "none" is hollow.
EVENT_MARKERS: dict[str, tuple[str, str, str, str, float]] = {
    PLANNED: ("v", "none", INFUSION_MARK, "infusion planned", 7),
    EventType.INFUSION_ADMINISTERED: ("v", INFUSION_MARK, INFUSION_MARK, "infusion given", 7),
    EventType.DLT_DETECTED: ("*", "#ffff33", "#b10026", "DLT", 12),
    EventType.PROGRESSION_DOCUMENTED: ("P", "#e7298a", "#49006a", "progression", 9),
}


def plot_swimlane(events: list[dict[str, Any]], path: Path, title: str) -> None:
    save(swimlane_figure(events, title), path)


def swimlane_figure(events: list[dict[str, Any]], title: str) -> Any:
    import matplotlib.dates as mdates
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    plt = pyplot()
    grouped = events_by_participant(events)
    lanes = sorted(grouped, reverse=True)  # the first participant on top
    fig, ax = plt.subplots(figsize=(12, 0.26 * len(lanes) + 2.4))
    seen: set[str] = set()
    for y, participant_id in enumerate(lanes):
        rows = grouped[participant_id]
        changes = [(e["occurred_at"], e["payload"]["to"]) for e in rows if e["type"] == EventType.STAGE_CHANGED]
        for (start, stage), (end, _) in zip(changes, [*changes[1:], (rows[-1]["occurred_at"], None)], strict=False):
            if stage in STAGE_COLOURS and end > start:
                ax.barh(
                    y,
                    _days(end - start),
                    left=mdates.date2num(start),
                    height=0.7,
                    color=STAGE_COLOURS[stage],
                    edgecolor="none",
                )
                seen.add(stage)
        last_at, last_stage = changes[-1]
        if last_stage in END_MARKERS:
            marker, colour, _ = END_MARKERS[last_stage]
            ax.plot(mdates.date2num(last_at), y, marker=marker, color=colour, markersize=6, linestyle="none")
            seen.add(last_stage)
        for kind, at in _marked_events(rows):
            marker, face, edge, _, size = EVENT_MARKERS[kind]
            ax.plot(
                mdates.date2num(at), y, marker=marker, markerfacecolor=face, markeredgecolor=edge,
                markeredgewidth=1.4, markersize=size, linestyle="none", zorder=3,
            )  # fmt: skip
            seen.add(kind)
    ax.set_yticks(range(len(lanes)), lanes)
    ax.set_ylim(-0.7, len(lanes) - 0.3)
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title)
    entries: list[tuple[Any, str]] = [
        (Patch(color=c), f"{s.replace('_', ' ')} stage") for s, c in STAGE_COLOURS.items() if s in seen
    ]
    entries += [
        (Line2D([], [], marker=m, color=c, linestyle="none"), label)
        for s, (m, c, label) in END_MARKERS.items()
        if s in seen
    ]
    for kind, (marker, face, edge, label, size) in EVENT_MARKERS.items():
        if kind in seen:
            mark = Line2D([], [], marker=marker, markerfacecolor=face, markeredgecolor=edge, markersize=size)
            mark.set_markeredgewidth(1.4)
            mark.set_linestyle("none")
            entries.append((mark, label))
    ax.legend(
        [h for h, _ in entries],
        [label for _, label in entries],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.06),
        ncol=min(6, len(entries)),
        frameon=False,
    )
    fig.autofmt_xdate()
    return fig


def _marked_events(rows: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """(marker kind, time) of each event the lanes mark: a planned infusion at its target time."""
    marked: list[tuple[str, Any]] = []
    for event in rows:
        if event["type"] == EventType.INFUSION_DUE and event["payload"].get("target_at"):
            marked.append((PLANNED, datetime.fromisoformat(event["payload"]["target_at"])))
        elif event["type"] in EVENT_MARKERS:
            marked.append((str(event["type"]), event["occurred_at"]))
    return marked


def _days(delta: Any) -> float:
    return delta.total_seconds() / 86400
