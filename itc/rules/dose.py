"""Body surface area (Mosteller) and the dose plan."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict

from itc.rules._compare import fmt
from itc.rules.config import DoseSplit, Dosing


class DosePlan(BaseModel):
    model_config = ConfigDict(frozen=True)
    formula: str
    height_cm: float
    weight_kg: float
    bsa_m2: float
    cells_per_m2: float
    split: DoseSplit
    infusion_count: int
    total_cells: float
    cells_per_infusion: float
    min_cells_per_infusion: float
    max_cells_per_infusion: float


def mosteller_bsa(height_cm: float, weight_kg: float) -> float:
    if not (height_cm > 0 and weight_kg > 0) or not math.isfinite(height_cm * weight_kg):
        raise ValueError(f"height and weight must be positive, got {height_cm} cm and {weight_kg} kg")
    return math.sqrt(height_cm * weight_kg / 3600.0)


def _per_infusion_and_total(cells_per_m2: float, bsa: float, dosing: Dosing) -> tuple[float, float]:
    # The protocol's "8-10 billion cells/m2 through three infusions" reads
    # either as a total split over the infusions or as each infusion's dose.
    if dosing.split == DoseSplit.PER_INFUSION:
        per = cells_per_m2 * bsa
        return per, per * dosing.infusion_count
    total = cells_per_m2 * bsa
    return total / dosing.infusion_count, total


def _cells(n: float) -> str:
    return f"{n / 1e9:.2f} x 10^9"


def plan_dose(height_cm: float, weight_kg: float, dosing: Dosing) -> DosePlan:
    if dosing.infusion_count < 1:
        raise ValueError(f"infusion_count must be at least 1, got {dosing.infusion_count}")
    bsa = mosteller_bsa(height_cm, weight_kg)
    per, total = _per_infusion_and_total(dosing.target_cells_per_m2, bsa, dosing)
    min_per, _ = _per_infusion_and_total(dosing.min_cells_per_m2, bsa, dosing)
    max_per, _ = _per_infusion_and_total(dosing.max_cells_per_m2, bsa, dosing)
    n = dosing.infusion_count
    bsa_text = f"BSA = sqrt({fmt(height_cm)} cm x {fmt(weight_kg)} kg / 3600) = {bsa:.2f} m2"
    target = f"{_cells(dosing.target_cells_per_m2)} cells/m2 x {bsa:.2f} m2"
    if dosing.split == DoseSplit.PER_INFUSION:
        dose_text = (
            f"per infusion = {target} = {_cells(per)} cells; "
            f"total = {_cells(per)} x {n} infusions = {_cells(total)} cells"
        )
    else:
        dose_text = (
            f"total = {target} = {_cells(total)} cells; "
            f"per infusion = {_cells(total)} / {n} infusions = {_cells(per)} cells"
        )
    return DosePlan(
        formula=f"{bsa_text}; {dose_text}",
        height_cm=height_cm,
        weight_kg=weight_kg,
        bsa_m2=bsa,
        cells_per_m2=dosing.target_cells_per_m2,
        split=dosing.split,
        infusion_count=n,
        total_cells=total,
        cells_per_infusion=per,
        min_cells_per_infusion=min_per,
        max_cells_per_infusion=max_per,
    )


def product_sufficient(plan: DosePlan, viable_cells_total: float) -> bool:
    return viable_cells_total >= plan.total_cells


def infusion_number_refusal(infusion_number: int, dosing: Dosing) -> str | None:
    """Why an infusion number is outside the protocol's plan, or None when it is one of its infusions.

    Worded like the input's own field checks, since it is one, against the protocol in force."""
    count = dosing.infusion_count
    if infusion_number > count:
        return f"infusion_number: Input should be less than or equal to {count} (the protocol gives {count} infusions)."
    return None
