"""Product release criteria for the NK-cell product."""

from __future__ import annotations

from itc.rules.config import EndotoxinLimitBasis, ReleaseCriteria


def endotoxin_limit_eu_per_ml(criteria: ReleaseCriteria, weight_kg: float, dose_volume_ml: float) -> float:
    """The product's endotoxin limit for one participant's dose.

    USP <85>: the limit is K/M, with K = 5 EU/kg for an intravenous product and M the
    largest dose per kg given within one hour. A dose of `dose_volume_ml` infused within the
    hour to a participant of `weight_kg` makes M = volume / weight (mL/kg), so the limit is
    K x weight / volume in EU/mL. With a flat basis it is the configured EU/mL.
    """
    if weight_kg <= 0 or dose_volume_ml <= 0:
        raise ValueError(f"weight {weight_kg} kg and dose volume {dose_volume_ml} mL must be positive")
    if criteria.endotoxin_limit_basis is EndotoxinLimitBasis.FLAT:
        return criteria.max_endotoxin_eu_per_ml
    return criteria.endotoxin_k_eu_per_kg_per_hour * weight_kg / dose_volume_ml


def release_failures(
    criteria: ReleaseCriteria,
    *,
    sterility_negative: bool,
    mycoplasma_negative: bool,
    endotoxin_eu_per_ml: float,
    viability_percent: float,
    cd56_cd3neg_purity_percent: float,
    endotoxin_limit: float | None = None,
) -> list[str]:
    """Every release criterion the product misses, in words a QC reviewer can act on.

    `endotoxin_limit` (EU/mL) is the dose-aware limit (`endotoxin_limit_eu_per_ml`); without
    it the configured flat limit applies.
    """
    limit = criteria.max_endotoxin_eu_per_ml if endotoxin_limit is None else endotoxin_limit
    failures: list[str] = []
    if criteria.sterility_negative and not sterility_negative:
        failures.append("sterility test not negative")
    if criteria.mycoplasma_negative and not mycoplasma_negative:
        failures.append("mycoplasma test not negative")
    if endotoxin_eu_per_ml > limit:
        failures.append(f"endotoxin {endotoxin_eu_per_ml} EU/mL above limit {limit:.4g} EU/mL")
    if viability_percent < criteria.min_viability_percent:
        failures.append(f"viability {viability_percent}% below {criteria.min_viability_percent}%")
    if cd56_cd3neg_purity_percent < criteria.min_cd56_cd3neg_purity_percent:
        failures.append(
            f"CD56+CD3- purity {cd56_cd3neg_purity_percent}% below {criteria.min_cd56_cd3neg_purity_percent}%"
        )
    return failures
