import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itc.rules.config import DoseSplit, Dosing
from itc.rules.dose import infusion_number_refusal, mosteller_bsa, plan_dose, product_sufficient

heights = st.floats(min_value=100, max_value=220, allow_nan=False)
weights = st.floats(min_value=30, max_value=200, allow_nan=False)


@pytest.mark.parametrize(
    ("height", "weight", "bsa"),
    [(180.0, 80.0, 2.0), (165.0, 60.0, math.sqrt(2.75)), (150.0, 24.0, 1.0), (3600.0, 1.0, 1.0)],
)
def test_mosteller(height, weight, bsa):
    assert mosteller_bsa(height, weight) == pytest.approx(bsa, rel=1e-15)


@pytest.mark.parametrize(("height", "weight"), [(0, 60), (165, 0), (-1, 60), (165, -5), (0, 0)])
def test_mosteller_rejects_non_positive(height, weight):
    with pytest.raises(ValueError):
        mosteller_bsa(height, weight)


def test_total_split_equally_default():
    plan = plan_dose(180, 80, Dosing())
    assert plan.bsa_m2 == 2.0
    assert plan.split == DoseSplit.TOTAL_SPLIT_EQUALLY
    assert plan.cells_per_m2 == 9e9
    assert plan.infusion_count == 3
    assert plan.total_cells == pytest.approx(18e9)
    assert plan.cells_per_infusion == pytest.approx(6e9)
    assert plan.min_cells_per_infusion == pytest.approx(16e9 / 3)
    assert plan.max_cells_per_infusion == pytest.approx(20e9 / 3)
    assert plan.height_cm == 180 and plan.weight_kg == 80


def test_per_infusion_split():
    plan = plan_dose(180, 80, Dosing(split=DoseSplit.PER_INFUSION))
    assert plan.split == DoseSplit.PER_INFUSION
    assert plan.cells_per_infusion == pytest.approx(18e9)
    assert plan.total_cells == pytest.approx(54e9)
    assert plan.min_cells_per_infusion == pytest.approx(16e9)
    assert plan.max_cells_per_infusion == pytest.approx(20e9)


def test_plan_uses_config_values():
    dosing = Dosing(target_cells_per_m2=5e9, min_cells_per_m2=4e9, max_cells_per_m2=6e9, infusion_count=2)
    plan = plan_dose(180, 80, dosing)
    assert plan.total_cells == pytest.approx(10e9)
    assert plan.cells_per_infusion == pytest.approx(5e9)
    assert plan.min_cells_per_infusion == pytest.approx(4e9)
    assert plan.max_cells_per_infusion == pytest.approx(6e9)


def test_bsa_kept_at_full_precision():
    plan = plan_dose(165, 60, Dosing())
    assert plan.bsa_m2 == math.sqrt(165 * 60 / 3600)
    assert plan.total_cells == 9e9 * math.sqrt(165 * 60 / 3600)


def test_formula_shows_inputs_and_result():
    plan = plan_dose(165, 60, Dosing())
    assert plan.formula == (
        "BSA = sqrt(165 cm x 60 kg / 3600) = 1.66 m2; "
        "total = 9.00 x 10^9 cells/m2 x 1.66 m2 = 14.92 x 10^9 cells; "
        "per infusion = 14.92 x 10^9 / 3 infusions = 4.97 x 10^9 cells"
    )


def test_formula_per_infusion():
    plan = plan_dose(180, 80, Dosing(split=DoseSplit.PER_INFUSION))
    assert plan.formula == (
        "BSA = sqrt(180 cm x 80 kg / 3600) = 2.00 m2; "
        "per infusion = 9.00 x 10^9 cells/m2 x 2.00 m2 = 18.00 x 10^9 cells; "
        "total = 18.00 x 10^9 x 3 infusions = 54.00 x 10^9 cells"
    )


def test_plan_rejects_bad_inputs():
    with pytest.raises(ValueError):
        plan_dose(0, 60, Dosing())
    with pytest.raises(ValueError):
        plan_dose(165, 60, Dosing(infusion_count=0))


def test_product_sufficient_boundary():
    plan = plan_dose(180, 80, Dosing())
    assert product_sufficient(plan, plan.total_cells) is True
    assert product_sufficient(plan, plan.total_cells + 1) is True
    assert product_sufficient(plan, plan.total_cells - 1) is False
    assert product_sufficient(plan, 0) is False


@given(heights, heights, weights)
def test_bsa_monotonic_in_height(h1, h2, w):
    lo, hi = sorted((h1, h2))
    assert mosteller_bsa(lo, w) <= mosteller_bsa(hi, w)


@given(heights, weights, weights)
def test_bsa_monotonic_in_weight(h, w1, w2):
    lo, hi = sorted((w1, w2))
    assert mosteller_bsa(h, lo) <= mosteller_bsa(h, hi)


@given(heights, weights, st.sampled_from(list(DoseSplit)), st.integers(min_value=1, max_value=6))
def test_per_infusion_times_count_is_total(h, w, split, count):
    plan = plan_dose(h, w, Dosing(split=split, infusion_count=count))
    assert plan.cells_per_infusion * count == pytest.approx(plan.total_cells, rel=1e-12)
    assert plan.min_cells_per_infusion <= plan.cells_per_infusion <= plan.max_cells_per_infusion
    assert plan.bsa_m2 == mosteller_bsa(h, w)


def test_infusion_number_is_bounded_by_the_protocols_count_not_a_literal() -> None:
    """The plan's infusion count (Dosing.infusion_count) is the only bound: an amendment to four
    infusions admits a fourth, and the default three refuses it, naming the field."""
    three = Dosing()
    four = Dosing(infusion_count=4)
    assert infusion_number_refusal(3, three) is None
    refusal = infusion_number_refusal(4, three)
    assert refusal is not None and refusal.startswith("infusion_number:") and "3 infusions" in refusal
    assert infusion_number_refusal(4, four) is None
    assert infusion_number_refusal(5, four) is not None
