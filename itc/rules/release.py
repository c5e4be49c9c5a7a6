"""Product release criteria for the NK-cell product."""

from __future__ import annotations

from itc.rules.config import ReleaseCriteria


def release_failures(
    criteria: ReleaseCriteria,
    *,
    sterility_negative: bool,
    mycoplasma_negative: bool,
    endotoxin_eu_per_ml: float,
    viability_percent: float,
    cd56_cd3neg_purity_percent: float,
) -> list[str]:
    """Every release criterion the product misses, in words a QC reviewer can act on."""
    failures: list[str] = []
    if criteria.sterility_negative and not sterility_negative:
        failures.append("sterility test not negative")
    if criteria.mycoplasma_negative and not mycoplasma_negative:
        failures.append("mycoplasma test not negative")
    if endotoxin_eu_per_ml > criteria.max_endotoxin_eu_per_ml:
        failures.append(f"endotoxin {endotoxin_eu_per_ml} EU/mL above limit {criteria.max_endotoxin_eu_per_ml} EU/mL")
    if viability_percent < criteria.min_viability_percent:
        failures.append(f"viability {viability_percent}% below {criteria.min_viability_percent}%")
    if cd56_cd3neg_purity_percent < criteria.min_cd56_cd3neg_purity_percent:
        failures.append(
            f"CD56+CD3- purity {cd56_cd3neg_purity_percent}% below {criteria.min_cd56_cd3neg_purity_percent}%"
        )
    return failures
