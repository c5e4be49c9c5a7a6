"""The chain of custody's thresholds, as pure rules over `ProtocolConfig.custody`.

The journey core decides when each rule applies (which handoff, which unit); the numbers
and the wording of why a unit goes on hold, or may no longer be infused, live here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itc.rules.config import Custody, Manufacturing

# The milestone after which the iPSC line is banked: a bag is re-made from it by the later steps alone.
BANKED_LINE_MILESTONE = "ipsc_qc_passed"


def excursion_reason(
    custody: Custody,
    *,
    cryopreserved: bool,
    seal_intact: bool | None,
    min_temperature_c: float | None,
    max_temperature_c: float | None,
    minutes_out_of_range: int | None,
) -> str | None:
    """Why a handoff puts its unit on quality hold, or None. A thawed bag has left its band on
    purpose, so the caller asks only for handoffs before the thaw."""
    if seal_intact is False:
        return "the seal was broken"
    band = custody.cryopreserved_product_c if cryopreserved else custody.fresh_specimen_c
    low, high = min_temperature_c, max_temperature_c
    if low is not None and high is not None and not band.contains(low, high):
        return f"temperature {low:g} to {high:g} °C outside {band.min_c:g} to {band.max_c:g} °C"
    if minutes_out_of_range is not None and minutes_out_of_range > custody.max_minutes_out_of_range:
        return f"{minutes_out_of_range} minutes out of range (at most {custody.max_minutes_out_of_range})"
    return None


def thawed_too_long(custody: Custody, minutes_since_thaw: float) -> bool:
    return minutes_since_thaw > custody.max_minutes_since_thaw


def product_expiry(custody: Custody, released_at: datetime) -> datetime:
    return released_at + timedelta(days=custody.product_shelf_life_days)


def may_remanufacture_bag(custody: Custody, remade_so_far: int) -> bool:
    """Whether one more discarded bag may be re-made from the banked line."""
    return remade_so_far < custody.max_bag_remanufactures


def remanufacture_days(manufacturing: Manufacturing) -> int:
    """Days to re-make a bag from the banked iPSC line: the milestones after the line passed its QC."""
    names = [spec.name for spec in manufacturing.milestones]
    after = names.index(BANKED_LINE_MILESTONE) + 1 if BANKED_LINE_MILESTONE in names else 0
    return sum(spec.expected_days for spec in manufacturing.milestones[after:])
