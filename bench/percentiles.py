"""Latency summaries in milliseconds, from raw samples in seconds."""

from __future__ import annotations

import math
import statistics


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile: a value that was actually observed."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summary_ms(samples: list[float]) -> dict[str, float]:
    return {
        "samples": len(samples),
        "p50": round(1000 * statistics.median(samples), 2),
        "p95": round(1000 * percentile(samples, 0.95), 2),
        "p99": round(1000 * percentile(samples, 0.99), 2),
        "max": round(1000 * max(samples), 2),
    }
