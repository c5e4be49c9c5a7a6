"""Baseline assessments count only when recent enough before the first infusion."""

from __future__ import annotations

from datetime import datetime, timedelta

from itc.rules.config import Baseline


def baseline_valid_until(assessed_at: datetime, cfg: Baseline) -> datetime:
    """The latest first-infusion moment this assessment still serves as baseline for."""
    return assessed_at + timedelta(days=cfg.max_days_before_first_infusion)


def baseline_is_current(assessed_at: datetime, first_infusion_at: datetime, cfg: Baseline) -> bool:
    """Whether an assessment taken at `assessed_at` is a valid baseline for a first infusion then."""
    if first_infusion_at < assessed_at:
        raise ValueError("first_infusion_at is before the baseline assessment")
    return first_infusion_at <= baseline_valid_until(assessed_at, cfg)
