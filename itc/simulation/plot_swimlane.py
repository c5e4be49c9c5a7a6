"""Swimlane chart: one lane per participant, stages coloured over calendar time, with
infusions, DLTs, progression and the journey's end marked. Read from the event store."""

from __future__ import annotations

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
    Stage.COMPLETED.value: ("o", "#252525", "completed"),
    Stage.SCREEN_FAILED.value: ("x", "#737373", "screen failed"),
    Stage.OFF_STUDY.value: ("s", "#756bb1", "off study"),
    Stage.WITHDRAWN.value: ("^", "#8c6d31", "withdrawn"),
    Stage.DECEASED.value: ("X", "#000000", "deceased"),
}
EVENT_MARKERS = {
    EventType.INFUSION_ADMINISTERED: ("|", "#ffffff", "infusion given", 9),
    EventType.DLT_DETECTED: ("*", "#ffff33", "DLT", 11),
    EventType.PROGRESSION_DOCUMENTED: ("D", "#6a3d9a", "progression", 5),
}


def plot_swimlane(events: list[dict[str, Any]], path: Path, title: str) -> None:
    import matplotlib.dates as mdates
    from matplotlib.legend_handler import HandlerTuple
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
        for event in rows:
            if event["type"] in EVENT_MARKERS:
                marker, colour, _, size = EVENT_MARKERS[event["type"]]
                ax.plot(
                    mdates.date2num(event["occurred_at"]),
                    y,
                    marker=marker,
                    color=colour,
                    markersize=size,
                    markeredgecolor=colour if marker != "*" else "#b10026",
                    linestyle="none",
                )
                seen.add(event["type"])
    ax.set_yticks(range(len(lanes)), lanes)
    ax.set_ylim(-0.7, len(lanes) - 0.3)
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title)
    entries: list[tuple[Any, str]] = [
        (Patch(color=c), s.replace("_", " ")) for s, c in STAGE_COLOURS.items() if s in seen
    ]
    entries += [
        (Line2D([], [], marker=m, color=c, linestyle="none"), label)
        for s, (m, c, label) in END_MARKERS.items()
        if s in seen
    ]
    for kind, (marker, colour, label, size) in EVENT_MARKERS.items():
        if kind not in seen:
            continue
        mark = Line2D(
            [],
            [],
            marker=marker,
            color=colour,
            markeredgecolor="#b10026" if marker == "*" else colour,
            markersize=size,
            markeredgewidth=2 if marker == "|" else 1,
            linestyle="none",
        )
        # An infusion tick is white on its red bar; the legend shows it on a red square too.
        entries.append(((Patch(color=STAGE_COLOURS[Stage.INFUSION.value]), mark) if marker == "|" else mark, label))
    ax.legend(
        [h for h, _ in entries],
        [label for _, label in entries],
        handler_map={tuple: HandlerTuple(ndivide=None, pad=0)},
        loc="upper center",
        bbox_to_anchor=(0.5, -0.06),
        ncol=min(8, len(entries)),
        frameon=False,
    )
    fig.autofmt_xdate()
    save(fig, path)


def _days(delta: Any) -> float:
    return delta.total_seconds() / 86400
