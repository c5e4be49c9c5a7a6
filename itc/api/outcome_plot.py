"""A small inline SVG of one marker's percentage change from baseline over its time points.

Drawn here rather than with matplotlib so the participant page stays one request and the
figure scales with the text; every label is escaped.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from itc.rules.outcome_change import MarkerSeries

WIDTH, HEIGHT, PAD = 220, 64, 8


def change_plot(series: MarkerSeries) -> Markup:
    """Percentage change from baseline at each time point, with the baseline drawn at 0 %."""
    points = [(p.timepoint, p.percent_change) for p in series.points if p.percent_change is not None]
    title = f"{series.code.value}: change from baseline (%)"
    if len(points) < 2:
        return Markup('<span class="muted small">{}</span>').format("no change to plot yet")
    values = [value for _, value in points]
    top, bottom = max(max(values), 0.0), min(min(values), 0.0)
    span = (top - bottom) or 1.0

    def x(i: int) -> float:
        return PAD + i * (WIDTH - 2 * PAD) / (len(points) - 1)

    def y(value: float) -> float:
        return PAD + (top - value) * (HEIGHT - 2 * PAD) / span

    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(points))
    dots = "".join(
        f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5"><title>{escape(name)}: {v:+.0f} %</title></circle>'
        for i, (name, v) in enumerate(points)
    )
    return Markup(
        f'<svg class="outcome-plot" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">'
        f"<title>{escape(title)}</title>"
        f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(0.0):.1f}" y2="{y(0.0):.1f}" stroke="#999" stroke-dasharray="3 3"/>'
        f'<polyline points="{line}" fill="none" stroke="#1f5f99" stroke-width="1.5"/>'
        f'<g fill="#1f5f99">{dots}</g></svg>'
    )
