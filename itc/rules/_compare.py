"""Threshold comparisons that treat a value printed on a boundary as on it.

People type decimals; a limit like 1.5 x 1.1 mg/dL is 1.6500000000000001 in
binary floating point, so a plain `>` would put a value typed exactly on the
boundary into the wrong grade. Anything within a relative 1e-9 of the limit
counts as equal to it, far below any clinically meaningful difference.
"""

from __future__ import annotations

import math

_REL_TOL = 1e-9


def _same(value: float, limit: float) -> bool:
    return math.isclose(value, limit, rel_tol=_REL_TOL, abs_tol=1e-12)


def above(value: float, limit: float) -> bool:
    return value > limit and not _same(value, limit)


def below(value: float, limit: float) -> bool:
    return value < limit and not _same(value, limit)


def at_least(value: float, limit: float) -> bool:
    return not below(value, limit)


def at_most(value: float, limit: float) -> bool:
    return not above(value, limit)


def fmt(value: float) -> str:
    """A number as a nurse would write it: no trailing zeros, no exponent."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
