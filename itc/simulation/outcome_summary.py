"""The cohort's immune function and tumour markers against baseline, from the journeys' final states."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from itc.models.state import JourneyStatus
from itc.rules.outcome_change import RESPONSE, CohortChange, cohort_changes

# What the one-line summary names, in this order: the product's cells, their cytokine, the markers.
HEADLINE = ("nk_cd56_cd3neg", "ifn_gamma", "il_6", "ca15_3", "cea")


def cohort_outcome_changes(final: dict[str, JourneyStatus]) -> list[CohortChange]:
    return cohort_changes([status.outcome_series for status in final.values()])


def at_response(changes: list[CohortChange]) -> dict[str, Any]:
    """Median percentage change from baseline at the response assessment, for the headline codes."""
    found = {c.code.value: c for c in changes if c.timepoint == RESPONSE}
    return {
        code: {"participants": found[code].participants, "median_percent_change": found[code].median_percent_change}
        for code in HEADLINE
        if code in found
    }


def write_outcome_changes_csv(changes: list[CohortChange], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            ["code", "unit", "timepoint", "participants", "median_value", "median_change", "median_percent_change"]
        )
        for c in changes:
            writer.writerow(
                [
                    c.code.value,
                    c.unit,
                    c.timepoint,
                    c.participants,
                    f"{c.median_value:.2f}",
                    "" if c.median_change is None else f"{c.median_change:.2f}",
                    "" if c.median_percent_change is None else f"{c.median_percent_change:.1f}",
                ]
            )
