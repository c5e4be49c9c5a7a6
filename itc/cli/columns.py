"""Aligned plain-text columns that stay aligned whatever a cell holds.

Each column is as wide as its widest cell, up to a cap; a longer cell (a long staff ID)
wraps within its own column onto continuation lines instead of pushing the rest of its row
out of line. The last column is free text (a summary, a reason) and is never cut or wrapped,
so a row's text stays greppable on its first line.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

GAP = "  "


def aligned(rows: Sequence[Sequence[str]], caps: Sequence[int | None]) -> list[str]:
    """Lines for `rows`; `caps[i]` is column i's greatest width (None: no cap)."""
    if not rows:
        return []
    count = len(caps)
    widths = []
    for index, cap in enumerate(caps[:-1]):
        widest = max(len(row[index]) for row in rows)
        widths.append(widest if cap is None else min(widest, cap))
    lines: list[str] = []
    for row in rows:
        cells = [_wrap(row[index], widths[index]) for index in range(count - 1)] + [[row[count - 1]]]
        depth = max(len(cell) for cell in cells)
        for depth_index in range(depth):
            parts = [
                (cell[depth_index] if depth_index < len(cell) else "").ljust(widths[index])
                for index, cell in enumerate(cells[:-1])
            ]
            last = cells[-1][depth_index] if depth_index < len(cells[-1]) else ""
            lines.append(GAP.join([*parts, last]).rstrip())
    return lines


def _wrap(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [text]
