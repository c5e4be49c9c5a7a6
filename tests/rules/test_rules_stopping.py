"""The safety stopping rule against the protocol's boundary table and exact binomial tails."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itc.rules.config import SafetyStopping, StoppingRule
from itc.rules.stopping import beta_survival, boin_elimination_boundary, decide, three_plus_three_boundary

BOIN = SafetyStopping()


@pytest.mark.parametrize(("evaluable", "boundary"), [(3, 3), (6, 4), (9, 5)])
def test_boin_boundaries_match_the_protocol_table(evaluable, boundary):
    assert boin_elimination_boundary(evaluable, BOIN) == boundary
    assert decide(boundary, evaluable, BOIN).stop is True
    assert decide(boundary - 1, evaluable, BOIN).stop is False


def test_no_boundary_below_three_evaluable():
    assert boin_elimination_boundary(2, BOIN) is None
    assert decide(2, 2, BOIN).stop is False


def binomial_cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


@given(
    st.integers(min_value=1, max_value=30),
    st.integers(min_value=1, max_value=30),
    st.floats(min_value=0.01, max_value=0.99),
)
def test_beta_tail_equals_the_binomial_identity_for_integer_parameters(a, b, x):
    # Pr(Beta(a, b) > x) = Pr(Binomial(a + b - 1, x) <= a - 1) for integer a, b.
    assert beta_survival(x, a, b) == pytest.approx(binomial_cdf(a - 1, a + b - 1, x), abs=1e-9)


@given(st.integers(min_value=3, max_value=32))
def test_more_dlts_never_make_stopping_less_likely(evaluable):
    stops = [decide(d, evaluable, BOIN).stop for d in range(evaluable + 1)]
    assert stops == sorted(stops)


@pytest.mark.parametrize(("evaluable", "boundary"), [(2, None), (3, 2), (6, 2), (7, 3), (9, 4), (12, 5)])
def test_three_plus_three_style_boundaries(evaluable, boundary):
    cfg = SafetyStopping(rule=StoppingRule.THREE_PLUS_THREE)
    assert three_plus_three_boundary(evaluable, cfg) == boundary
    if boundary is not None:
        assert decide(boundary, evaluable, cfg).stop and not decide(boundary - 1, evaluable, cfg).stop


def test_impossible_counts_are_refused():
    with pytest.raises(ValueError):
        decide(4, 3, BOIN)
