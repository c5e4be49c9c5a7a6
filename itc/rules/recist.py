"""RECIST 1.1 target-lesion response against baseline and nadir, with confirmation."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, ConfigDict

from itc.rules._compare import at_least, at_most, below, fmt
from itc.rules.config import Recist


class Lesion(BaseModel):
    model_config = ConfigDict(frozen=True)
    lesion_id: str
    organ: str
    is_lymph_node: bool = False
    diameter_mm: float


class RecistAssessment(BaseModel):
    model_config = ConfigDict(frozen=True)
    response: str  # CR, PR, SD, PD or NE
    sum_mm: float
    baseline_sum_mm: float
    nadir_sum_mm: float
    change_from_baseline_percent: float
    change_from_nadir_percent: float
    change_from_nadir_mm: float
    reasons: tuple[str, ...] = ()


_RESPONSES = frozenset({"CR", "PR", "SD", "PD", "NE"})


def _organ(lesion: Lesion) -> str:
    # RECIST counts all lymph nodes as one organ for the per-organ limit.
    return "lymph nodes" if lesion.is_lymph_node else lesion.organ.strip().lower()


def baseline_problems(lesions: list[Lesion], cfg: Recist) -> list[str]:
    """What stops this set of target lesions from being a valid RECIST baseline."""
    problems: list[str] = []
    if not lesions:
        return ["No target lesions recorded; at least one measurable lesion is required."]
    if len(lesions) > cfg.max_target_lesions:
        problems.append(f"{len(lesions)} target lesions recorded; at most {cfg.max_target_lesions} are allowed.")
    per_organ = Counter(_organ(lesion) for lesion in lesions)
    for organ, count in sorted(per_organ.items()):
        if count > cfg.max_target_lesions_per_organ:
            problems.append(
                f"{count} target lesions in {organ}; at most {cfg.max_target_lesions_per_organ} per organ are allowed."
            )
    for lesion_id, count in sorted(Counter(lesion.lesion_id for lesion in lesions).items()):
        if count > 1:
            problems.append(f"Lesion id {lesion_id} is used {count} times; each target lesion needs its own id.")
    for lesion in lesions:
        if lesion.is_lymph_node and below(lesion.diameter_mm, cfg.min_node_short_axis_mm):
            problems.append(
                f"Lymph node {lesion.lesion_id} short axis {fmt(lesion.diameter_mm)} mm is below "
                f"{fmt(cfg.min_node_short_axis_mm)} mm, so it is not measurable as a target."
            )
        elif not lesion.is_lymph_node and below(lesion.diameter_mm, cfg.min_measurable_mm):
            problems.append(
                f"Lesion {lesion.lesion_id} longest diameter {fmt(lesion.diameter_mm)} mm is below "
                f"{fmt(cfg.min_measurable_mm)} mm, so it is not measurable."
            )
    return problems


def sum_of_diameters(lesions: list[Lesion]) -> float:
    """Longest diameter for non-nodal lesions, short axis for nodes, as recorded."""
    return float(sum(lesion.diameter_mm for lesion in lesions))


def _percent_change(value: float, reference: float, cfg: Recist) -> float:
    # A zero reference has no percentage change; a finite stand-in keeps the
    # record JSON-serialisable, scaled by the smallest measurable lesion.
    if reference > 0:
        return 100.0 * (value - reference) / reference
    return 0.0 if value == 0 else 100.0 * value / cfg.min_measurable_mm


def _meets_progression(total: float, nadir: float, cfg: Recist) -> bool:
    return at_least(total, nadir * (1 + cfg.progression_increase_percent / 100)) and at_least(
        total - nadir, cfg.progression_min_absolute_mm
    )


def assess_response(
    baseline: list[Lesion],
    nadir_sum_mm: float,
    current: list[Lesion],
    new_lesions: bool,
    unequivocal_non_target_progression: bool,
    cfg: Recist,
    after_complete_response: bool = False,
) -> RecistAssessment:
    """Time-point response of the target lesions, with new and non-target lesions.

    A scan that misses a baseline lesion is NE unless progression is already
    certain (a new lesion, non-target progression, or the measured lesions alone
    meeting PD), as RECIST 1.1 allows: the missing lesion cannot undo PD.

    `after_complete_response`: the previous time point's overall response was CR, so a
    target lesion that is back is PD whatever the sum (EORTC RECIST FAQ, "Does a new
    lesion always result in PD?"); after anything else it only adds to the sum.
    """
    if nadir_sum_mm < 0:
        raise ValueError(f"nadir sum must not be negative, got {nadir_sum_mm}")
    baseline_sum = sum_of_diameters(baseline)
    target_ids = {lesion.lesion_id for lesion in baseline}
    # Only baseline targets make up the sum; anything else is a gap to resolve.
    total = sum_of_diameters([lesion for lesion in current if lesion.lesion_id in target_ids])
    numbers = dict(
        sum_mm=total,
        baseline_sum_mm=baseline_sum,
        nadir_sum_mm=nadir_sum_mm,
        change_from_baseline_percent=_percent_change(total, baseline_sum, cfg),
        change_from_nadir_percent=_percent_change(total, nadir_sum_mm, cfg),
        change_from_nadir_mm=total - nadir_sum_mm,
    )
    change = (
        f"Sum {fmt(total)} mm: {fmt(numbers['change_from_baseline_percent'])}% from baseline "
        f"{fmt(baseline_sum)} mm, {fmt(numbers['change_from_nadir_percent'])}% "
        f"({fmt(total - nadir_sum_mm)} mm) from nadir {fmt(nadir_sum_mm)} mm."
    )
    response, reasons = _classify(
        baseline,
        current,
        total,
        baseline_sum,
        nadir_sum_mm,
        new_lesions,
        unequivocal_non_target_progression,
        cfg,
        after_complete_response,
    )
    return RecistAssessment(response=response, reasons=(*reasons, change), **numbers)


def _classify(
    baseline: list[Lesion],
    current: list[Lesion],
    total: float,
    baseline_sum: float,
    nadir: float,
    new_lesions: bool,
    non_target_progression: bool,
    cfg: Recist,
    after_complete_response: bool,
) -> tuple[str, list[str]]:
    pd_reasons: list[str] = []
    target_ids = {lesion.lesion_id for lesion in baseline}
    back = sorted(x.lesion_id for x in current if x.lesion_id in target_ids and not _resolved(x, cfg))
    if after_complete_response and back:
        pd_reasons.append(
            f"Target lesion(s) {', '.join(back)} are back after a complete response "
            "(EORTC RECIST FAQ: after an overall CR any reappearance is PD)."
        )
    if new_lesions:
        pd_reasons.append("New lesion present.")
    if non_target_progression:
        pd_reasons.append("Unequivocal progression of non-target lesions.")
    if _meets_progression(total, nadir, cfg):
        pd_reasons.append(
            f"Sum of diameters is at least {fmt(cfg.progression_increase_percent)}% and "
            f"{fmt(cfg.progression_min_absolute_mm)} mm above the nadir."
        )
    gaps = _measurement_gaps(baseline, current)
    if pd_reasons:
        return "PD", pd_reasons + gaps
    if gaps:
        return "NE", gaps
    if all(_resolved(lesion, cfg) for lesion in current):
        return "CR", [
            f"All non-nodal target lesions have disappeared and every target node is below "
            f"{fmt(cfg.node_normal_short_axis_mm)} mm short axis."
        ]
    if at_most(total, baseline_sum * (1 - cfg.partial_response_decrease_percent / 100)):
        return "PR", [f"Sum of diameters is at least {fmt(cfg.partial_response_decrease_percent)}% below baseline."]
    return "SD", ["Neither enough shrinkage for PR nor enough growth for PD."]


def _resolved(lesion: Lesion, cfg: Recist) -> bool:
    if lesion.is_lymph_node:
        return below(lesion.diameter_mm, cfg.node_normal_short_axis_mm)
    return lesion.diameter_mm == 0


def _measurement_gaps(baseline: list[Lesion], current: list[Lesion]) -> list[str]:
    if not baseline:
        return ["No baseline target lesions to compare against."]
    gaps: list[str] = []
    counts = Counter(lesion.lesion_id for lesion in current)
    unknown = sorted(set(counts) - {lesion.lesion_id for lesion in baseline})
    if unknown:
        gaps.append(f"Lesion(s) {', '.join(unknown)} are not baseline target lesions; record a new lesion as such.")
    missing = sorted({lesion.lesion_id for lesion in baseline} - set(counts))
    if missing:
        gaps.append(f"Baseline target lesion(s) not measured on this scan: {', '.join(missing)}.")
    repeated = sorted(lesion_id for lesion_id, n in counts.items() if n > 1)
    if repeated:
        gaps.append(f"Lesion(s) measured more than once on this scan: {', '.join(repeated)}.")
    return gaps


def confirmed_response(first: str, second: str, stable_disease_duration_met: bool) -> str:
    """Best overall response from a CR/PR and its confirmation scan (RECIST 1.1 table 3).

    CR then PR gives PR: residual disease on the later scan means the first
    "CR" was really a PR, the reading RECIST recommends when in doubt. CR then
    SD gives SD only when SD lasted long enough, otherwise PD, because disease
    reappearing after a true CR is progression.
    """
    for name, value in (("first", first), ("second", second)):
        if value not in _RESPONSES:
            raise ValueError(f"{name} response must be one of {sorted(_RESPONSES)}, got {value!r}")
    if first not in ("CR", "PR"):
        return first
    if second == "CR":
        return first
    if second == "PR":
        return "PR"
    fallback = {"SD": "PD", "PD": "PD", "NE": "NE"}[second]
    if second == "SD" and first == "PR":
        return "SD"
    return "SD" if stable_disease_duration_met else fallback
