"""Phase I safety stopping: BOIN elimination (default) or a 3+3-style rule.

Evaluable participants are those who completed the DLT window or had a DLT.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict

from itc.rules.config import SafetyStopping, StoppingRule


class StoppingDecision(BaseModel):
    model_config = ConfigDict(frozen=True)
    stop: bool
    rule: StoppingRule
    evaluable: int
    dlts: int
    boundary: int | None  # DLTs at which this many evaluable participants stop the trial
    explanation: str


def beta_survival(x: float, a: float, b: float) -> float:
    """Pr(p > x) for p ~ Beta(a, b), by the regularised incomplete beta function."""
    if x <= 0:
        return 1.0
    if x >= 1:
        return 0.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    # The continued fraction converges fast only on one side of the mean; use symmetry for the other.
    if x < (a + 1) / (a + b + 2):
        cdf = math.exp(log_front) * _beta_continued_fraction(x, a, b) / a
    else:
        cdf = 1.0 - math.exp(log_front) * _beta_continued_fraction(1 - x, b, a) / b
    return min(1.0, max(0.0, 1.0 - cdf))


def _beta_continued_fraction(x: float, a: float, b: float) -> float:
    tiny, epsilon = 1e-300, 1e-15
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1.0) < epsilon:
            break
    return result


def toxicity_exceeds_target(dlts: int, evaluable: int, cfg: SafetyStopping) -> float:
    """Posterior Pr(DLT rate > target | data) under the Beta prior."""
    return beta_survival(cfg.target_toxicity, cfg.prior_alpha + dlts, cfg.prior_beta + evaluable - dlts)


def boin_elimination_boundary(evaluable: int, cfg: SafetyStopping) -> int | None:
    """Fewest DLTs among `evaluable` that stop the trial, or None below the minimum n or if none do."""
    if evaluable < cfg.min_evaluable:
        return None
    for dlts in range(evaluable + 1):
        if toxicity_exceeds_target(dlts, evaluable, cfg) > cfg.posterior_cutoff:
            return dlts
    return None


def three_plus_three_boundary(evaluable: int, cfg: SafetyStopping) -> int | None:
    """Fewest DLTs that stop the trial: a fixed count within the first cohorts, then more than a fraction."""
    rule = cfg.three_plus_three
    if evaluable < cfg.min_evaluable:
        return None
    if evaluable <= rule.cohorts_max_evaluable:
        return rule.cohorts_stopping_dlts
    return evaluable // rule.beyond_stop_above_one_in + 1


def decide(dlts: int, evaluable: int, cfg: SafetyStopping) -> StoppingDecision:
    if not 0 <= dlts <= evaluable:
        raise ValueError(f"DLTs ({dlts}) must be between 0 and the evaluable count ({evaluable})")
    if cfg.rule is StoppingRule.BOIN_ELIMINATION:
        boundary = boin_elimination_boundary(evaluable, cfg)
        probability = toxicity_exceeds_target(dlts, evaluable, cfg)
        detail = f"Pr(DLT rate > {cfg.target_toxicity:g}) = {probability:.3f}, cut-off {cfg.posterior_cutoff:g}"
    else:
        boundary = three_plus_three_boundary(evaluable, cfg)
        detail = "3+3-style rule"
    stop = boundary is not None and dlts >= boundary
    explanation = f"{dlts} DLT(s) among {evaluable} evaluable; boundary {boundary if boundary is not None else 'none yet'}; {detail}"
    return StoppingDecision(
        stop=stop, rule=cfg.rule, evaluable=evaluable, dlts=dlts, boundary=boundary, explanation=explanation
    )
