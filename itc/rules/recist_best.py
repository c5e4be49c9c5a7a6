"""RECIST 1.1 best overall response across time points (Eisenhauer et al. 2009, section 4.4 and Table 3).

In a non-randomised trial a CR or PR counts only when a later assessment at least the
protocol's confirmation interval after it shows it again; stable disease counts only once
it has been met at least the protocol's minimum time after the start of treatment.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict


class TimePoint(BaseModel):
    model_config = ConfigDict(frozen=True)
    assessed_on: date
    response: str  # the overall response at this time point: CR, PR, SD, PD or NE


class BestOverallResponse(BaseModel):
    model_config = ConfigDict(frozen=True)
    response: str
    reason: str


_RESPONSES = frozenset({"CR", "PR", "SD", "PD", "NE"})


def best_overall_response(
    time_points: list[TimePoint],
    treatment_started_on: date,
    confirmation_min_days: int,
    stable_disease_min_days: int,
) -> BestOverallResponse:
    """The best response recorded from the start of treatment until progression.

    CR needs a later CR; PR a later CR or PR; in between, only NE (a missed or unreadable
    scan neither confirms nor breaks a response). An unconfirmed CR or PR, and SD, count
    as SD when assessed at least `stable_disease_min_days` after the start (Table 3: "SD
    provided minimum criteria for SD duration met, otherwise PD"). Otherwise PD if
    progression was seen, else NE.
    """
    for point in time_points:
        if point.response not in _RESPONSES:
            raise ValueError(f"time-point response must be one of {sorted(_RESPONSES)}, got {point.response!r}")
    ordered = sorted(time_points, key=lambda p: p.assessed_on)
    first_pd = next((i for i, p in enumerate(ordered) if p.response == "PD"), None)
    on_study = ordered if first_pd is None else ordered[:first_pd]
    confirmation = timedelta(days=confirmation_min_days)
    for best, confirming in (("CR", {"CR"}), ("PR", {"CR", "PR"})):
        confirmed = _confirmed(on_study, confirming, confirmation)
        if confirmed is not None:
            first, second = confirmed
            return BestOverallResponse(
                response=best,
                reason=(
                    f"{first.response} on {first.assessed_on.isoformat()} confirmed by {second.response} on "
                    f"{second.assessed_on.isoformat()}, {(second.assessed_on - first.assessed_on).days} days later "
                    f"(at least {confirmation_min_days}; RECIST 1.1 section 4.4)."
                ),
            )
    sd_from = treatment_started_on + timedelta(days=stable_disease_min_days)
    stable = [p for p in on_study if p.response in ("CR", "PR", "SD") and p.assessed_on >= sd_from]
    if stable:
        unconfirmed = " (an unconfirmed response counts as SD)" if stable[0].response != "SD" else ""
        return BestOverallResponse(
            response="SD",
            reason=(
                f"Stable disease met on {stable[0].assessed_on.isoformat()}, at least {stable_disease_min_days} days "
                f"after the start of treatment{unconfirmed} (RECIST 1.1 Table 3)."
            ),
        )
    short = any(p.response in ("CR", "PR", "SD") for p in on_study)
    too_early = f"; stable disease was not met {stable_disease_min_days} days after the start" if short else ""
    if _disease_back_after_cr(on_study):
        return BestOverallResponse(
            response="PD",
            reason=f"Disease back after a complete response{too_early} (RECIST 1.1 Table 3: CR then SD is PD).",
        )
    if first_pd is not None:
        return BestOverallResponse(
            response="PD",
            reason=f"Progression on {ordered[first_pd].assessed_on.isoformat()}{too_early} (RECIST 1.1 Table 3).",
        )
    return BestOverallResponse(response="NE", reason=f"No evaluable response{too_early} (RECIST 1.1 Table 3).")


def _disease_back_after_cr(points: list[TimePoint]) -> bool:
    first_cr = next((i for i, p in enumerate(points) if p.response == "CR"), None)
    return first_cr is not None and any(p.response == "SD" for p in points[first_cr + 1 :])


def _confirmed(
    points: list[TimePoint], confirming: set[str], interval: timedelta
) -> tuple[TimePoint, TimePoint] | None:
    for i, first in enumerate(points):
        if first.response not in confirming:
            continue
        for later in points[i + 1 :]:
            if later.response == "NE":
                continue
            if later.response not in confirming:
                break
            if later.assessed_on - first.assessed_on >= interval:
                return first, later
    return None
