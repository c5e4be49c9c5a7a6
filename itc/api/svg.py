"""Small server-rendered SVG plots for the dashboard: no script, no style attribute (the
pages' Content-Security-Policy allows neither inline), every text escaped.

Each plot carries a <title> and an aria-label with what it shows in words, so a screen
reader (and a test) reads the same facts as the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

INK = "#1d2430"
MUTED = "#5b6675"
LINE = "#aab3bf"
ACCENT = "#1f5fbf"
DANGER = "#b42318"


@dataclass(frozen=True)
class Frame:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def inner_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def inner_height(self) -> float:
        return self.height - self.top - self.bottom


def _scale(value: float, low: float, high: float, start: float, length: float) -> float:
    if high == low:
        return start + length / 2
    return start + (value - low) / (high - low) * length


def _svg(frame: Frame, label: str, body: list[str], css_class: str) -> Markup:
    title = escape(label)
    return Markup(
        f'<svg class="{css_class}" role="img" aria-label="{title}" viewBox="0 0 {frame.width} {frame.height}" '
        f'width="{frame.width}" height="{frame.height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{title}</title>{''.join(body)}</svg>"
    )


def trend(
    points: Sequence[tuple[datetime, float]],
    *,
    label: str,
    upper: float | None = None,
    lower: float | None = None,
    flagged: Sequence[bool] = (),
) -> Markup:
    """One lab's values over time, with the reference limit(s) as dashed lines; a flagged
    value (graded 1 or worse) is drawn as a larger red square, not only in another colour."""
    frame = Frame(180, 48, 4, 4, 6, 6)
    values = [value for _, value in points]
    limits = [limit for limit in (upper, lower) if limit is not None]
    low, high = min(values + limits), max(values + limits)
    margin = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    low, high = low - margin, high + margin
    times = [moment.timestamp() for moment, _ in points]
    first, last = min(times), max(times)

    def x(moment: float) -> float:
        return _scale(moment, first, last, frame.left, frame.inner_width)

    def y(value: float) -> float:
        return _scale(value, high, low, frame.top, frame.inner_height)

    body: list[str] = []
    for limit in limits:
        body.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y(limit):.1f}" y2="{y(limit):.1f}" '
            f'stroke="{MUTED}" stroke-dasharray="3 3" stroke-width="1"/>'
        )
    if len(points) > 1:
        path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in zip(times, values, strict=True))
        body.append(f'<polyline points="{path}" fill="none" stroke="{ACCENT}" stroke-width="1.5"/>')
    for index, (moment, value) in enumerate(zip(times, values, strict=True)):
        if index < len(flagged) and flagged[index]:
            body.append(
                f'<rect x="{x(moment) - 3.5:.1f}" y="{y(value) - 3.5:.1f}" width="7" height="7" fill="{DANGER}"/>'
            )
        else:
            body.append(f'<circle cx="{x(moment):.1f}" cy="{y(value):.1f}" r="2.5" fill="{ACCENT}"/>')
    return _svg(frame, label, body, "trend")


def boundary_plot(
    boundary: Sequence[tuple[int, int | None]], evaluable: int, dlts: int, *, label: str, max_evaluable: int
) -> Markup:
    """The stopping boundary as a step line (DLTs that stop the trial at each number of
    evaluable participants) and the trial's current count as a marked point."""
    frame = Frame(420, 220, 44, 12, 12, 40)
    shown = [(n, b) for n, b in boundary if b is not None]
    top = max([b for _, b in shown] + [dlts, 1]) + 1

    def x(n: float) -> float:
        return _scale(n, 0, max_evaluable, frame.left, frame.inner_width)

    def y(d: float) -> float:
        return _scale(d, top, 0, frame.top, frame.inner_height)

    bottom = frame.height - frame.bottom
    body = [
        f'<line x1="{frame.left}" y1="{bottom}" x2="{frame.width - frame.right}" y2="{bottom}" stroke="{INK}"/>',
        f'<line x1="{frame.left}" y1="{frame.top}" x2="{frame.left}" y2="{bottom}" stroke="{INK}"/>',
    ]
    step = max(1, max_evaluable // 8)
    for n in range(0, max_evaluable + 1, step):
        body.append(
            f'<text x="{x(n):.1f}" y="{bottom + 14}" font-size="10" text-anchor="middle" fill="{MUTED}">{n}</text>'
        )
    for d in range(0, top + 1, max(1, top // 5)):
        body.append(
            f'<text x="{frame.left - 6}" y="{y(d) + 3:.1f}" font-size="10" text-anchor="end" fill="{MUTED}">{d}</text>'
        )
    body.append(
        f'<text x="{frame.left + frame.inner_width / 2:.1f}" y="{frame.height - 6}" font-size="11" '
        f'text-anchor="middle" fill="{INK}">Evaluable participants</text>'
    )
    body.append(
        f'<text x="12" y="{frame.top + frame.inner_height / 2:.1f}" font-size="11" text-anchor="middle" fill="{INK}" '
        f'transform="rotate(-90 12 {frame.top + frame.inner_height / 2:.1f})">DLTs</text>'
    )
    if shown:
        corners: list[str] = []
        for index, (n, b) in enumerate(shown):
            corners.append(f"{x(n):.1f},{y(b):.1f}")
            following = shown[index + 1][0] if index + 1 < len(shown) else n + 1
            corners.append(f"{x(min(following, max_evaluable)):.1f},{y(b):.1f}")
        body.append(f'<polyline points="{" ".join(corners)}" fill="none" stroke="{DANGER}" stroke-width="2"/>')
        body.append(
            f'<text x="{frame.width - frame.right}" y="{frame.top + 10}" font-size="10" text-anchor="end" '
            f'fill="{DANGER}">stop at or above the red line</text>'
        )
    cx, cy = x(min(evaluable, max_evaluable)), y(dlts)
    body.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{ACCENT}" stroke="{INK}"/>')
    body.append(
        f'<text x="{cx + 8:.1f}" y="{cy - 8:.1f}" font-size="11" fill="{INK}">now: {dlts} of {evaluable}</text>'
    )
    return _svg(frame, label, body, "boundary-plot")
