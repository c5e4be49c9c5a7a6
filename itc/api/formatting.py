"""How times, stages and numbers read on the dashboard: always UTC, always labelled."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

from itc.api import labels

DASH = "—"

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def when(value: datetime | None) -> str:
    if value is None:
        return DASH
    if value.tzinfo is None:
        return value.strftime("%Y-%m-%d %H:%M")
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def day(value: date | datetime | None) -> str:
    if value is None:
        return DASH
    if isinstance(value, datetime):
        value = value.astimezone(UTC) if value.tzinfo else value
        return value.strftime("%Y-%m-%d")
    return value.isoformat()


def days_since(value: datetime | None, now: datetime) -> int | None:
    if value is None:
        return None
    return max(0, (now - value).days)


def label(value: object) -> str:
    """Any engine identifier in words ('response_assessment' -> 'Response assessment')."""
    return labels.human(value)


def milestone(value: object) -> str:
    return labels.human(value)


def cells(value: float | None) -> str:
    """5.1e9 -> '5.10 × 10⁹' (cell counts span many orders of magnitude)."""
    if value is None:
        return DASH
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    return f"{value / 10**exponent:.2f} × 10{str(exponent).translate(_SUPERSCRIPT)}"


def number(value: float | None, places: int = 2) -> str:
    if value is None:
        return DASH
    return f"{value:.{places}f}".rstrip("0").rstrip(".")


def input_time(value: datetime) -> str:
    """The value of a time box, in UTC to the minute, as the box's hint spells it."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


FILTERS = {
    "when": when,
    "event_label": labels.event_label,
    "field_label": labels.field_label,
    "readable": labels.readable,
    "day": day,
    "label": label,
    "milestone": milestone,
    "cells": cells,
    "number": number,
    "input_time": input_time,
}
