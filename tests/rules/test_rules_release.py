"""Product release: the endotoxin limit by USP <85> (K/M, K = 5 EU/kg per hour for intravenous products)."""

import pytest

from itc.rules.config import EndotoxinLimitBasis, ReleaseCriteria
from itc.rules.release import endotoxin_limit_eu_per_ml, release_failures

DOSE_AWARE = ReleaseCriteria()


def failures(endotoxin: float, limit: float | None) -> list[str]:
    return release_failures(
        DOSE_AWARE,
        sterility_negative=True,
        mycoplasma_negative=True,
        endotoxin_eu_per_ml=endotoxin,
        viability_percent=90.0,
        cd56_cd3neg_purity_percent=90.0,
        endotoxin_limit=limit,
    )


@pytest.mark.parametrize(
    ("weight_kg", "volume_ml", "limit"),
    [(70.0, 100.0, 3.5), (50.0, 100.0, 2.5), (60.0, 50.0, 6.0), (80.0, 250.0, 1.6)],
)
def test_usp_85_limit_is_k_over_m(weight_kg, volume_ml, limit):
    """USP <85>: limit = K/M, K = 5 EU/kg, M = dose volume per kg given within the hour."""
    assert endotoxin_limit_eu_per_ml(DOSE_AWARE, weight_kg, volume_ml) == pytest.approx(limit)


def test_usp_85_limit_uses_the_configured_k():
    criteria = ReleaseCriteria(endotoxin_k_eu_per_kg_per_hour=2.5)
    assert endotoxin_limit_eu_per_ml(criteria, 70.0, 100.0) == pytest.approx(1.75)


def test_flat_basis_keeps_the_configured_limit():
    criteria = ReleaseCriteria(endotoxin_limit_basis=EndotoxinLimitBasis.FLAT, max_endotoxin_eu_per_ml=5.0)
    assert endotoxin_limit_eu_per_ml(criteria, 50.0, 100.0) == 5.0


@pytest.mark.parametrize(("endotoxin", "passes"), [(3.5, True), (3.51, False)])
def test_usp_85_release_boundary_for_a_70_kg_participant_and_100_ml_dose(endotoxin, passes):
    """USP <85>: at most K/M = 3.5 EU/mL for 70 kg and 100 mL; a flat 5 EU/mL would pass 3.51."""
    limit = endotoxin_limit_eu_per_ml(DOSE_AWARE, 70.0, 100.0)
    result = failures(endotoxin, limit)
    assert (result == []) is passes
    if not passes:
        assert result == ["endotoxin 3.51 EU/mL above limit 3.5 EU/mL"]
    assert failures(3.51, None) == []


def test_weight_and_volume_must_be_positive():
    with pytest.raises(ValueError, match="must be positive"):
        endotoxin_limit_eu_per_ml(DOSE_AWARE, 0.0, 100.0)
