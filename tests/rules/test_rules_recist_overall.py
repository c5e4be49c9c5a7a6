"""RECIST 1.1 overall response at a time point: Eisenhauer et al. 2009, Tables 1 and 2."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itc.rules.recist_overall import NON_CR_NON_PD, NonTargetStatus, overall_response

NT = NonTargetStatus


@pytest.mark.parametrize(
    ("target", "non_target", "new", "overall"),
    [
        ("CR", NT.CR, False, "CR"),
        ("CR", NT.NON_CR_NON_PD, False, "PR"),
        ("CR", NT.NE, False, "PR"),
        ("PR", NT.CR, False, "PR"),
        ("PR", NT.NON_CR_NON_PD, False, "PR"),
        ("PR", NT.NE, False, "PR"),
        ("SD", NT.CR, False, "SD"),
        ("SD", NT.NON_CR_NON_PD, False, "SD"),
        ("SD", NT.NE, False, "SD"),
        ("NE", NT.CR, False, "NE"),
        ("NE", NT.NON_CR_NON_PD, False, "NE"),
        ("PD", NT.CR, False, "PD"),
        ("PD", NT.NE, False, "PD"),
        ("CR", NT.PD, False, "PD"),
        ("PR", NT.PD, False, "PD"),
        ("SD", NT.PD, False, "PD"),
        ("NE", NT.PD, False, "PD"),
        ("CR", NT.CR, True, "PD"),
        ("PR", NT.NON_CR_NON_PD, True, "PD"),
        ("NE", NT.NE, True, "PD"),
    ],
)
def test_recist_table_1_target_and_non_target(target, non_target, new, overall):
    """Every row of RECIST 1.1 Table 1 (target and non-target lesions)."""
    assert overall_response(target, non_target, new).response == overall


@pytest.mark.parametrize(
    ("non_target", "new", "overall"),
    [
        (NT.CR, False, "CR"),
        (NT.NON_CR_NON_PD, False, NON_CR_NON_PD),
        (NT.NE, False, "NE"),
        (NT.PD, False, "PD"),
        (NT.CR, True, "PD"),
        (NT.NON_CR_NON_PD, True, "PD"),
    ],
)
def test_recist_table_2_non_target_only(non_target, new, overall):
    """RECIST 1.1 Table 2 (non-target lesions only): persisting disease is non-CR/non-PD, not SD."""
    assert overall_response(None, non_target, new).response == overall


@pytest.mark.parametrize("target", ["CR", "PR", "SD", "PD", "NE"])
def test_recist_table_1_without_non_target_lesions_the_target_response_stands(target):
    """RECIST 1.1 Table 1 when no non-target lesion was recorded at baseline."""
    assert overall_response(target, None, False).response == target
    assert overall_response(target, None, True).response == "PD"


def test_target_cr_with_non_targets_present_is_pr_and_says_why():
    """RECIST 1.1 Table 1: target CR with non-target lesions still present is PR, not CR."""
    result = overall_response("CR", NT.NON_CR_NON_PD, False)
    assert result.response == "PR" and "not CR" in result.reason and "Table 1" in result.reason


def test_a_time_point_needs_a_component():
    with pytest.raises(ValueError, match="needs target lesions"):
        overall_response(None, None, False)
    with pytest.raises(ValueError, match="target response"):
        overall_response("XX", NT.CR, False)


# Best first. Non-target CR puts no bound; non-CR/non-PD bounds it at PR; PD and a new lesion at PD.
_RANK = {"CR": 0, "PR": 1, "SD": 2, "PD": 4}
_NON_TARGET_BOUND = {NT.CR: 0, NT.NON_CR_NON_PD: 1, NT.PD: 4}


@settings(deadline=None)  # a shared, loaded machine must not fail a pure property on time
@given(
    st.sampled_from(["CR", "PR", "SD", "PD", "NE"]),
    st.one_of(st.none(), st.sampled_from(list(NT))),
    st.booleans(),
)
def test_overall_response_is_never_better_than_its_worst_component(target, non_target, new):
    """RECIST 1.1 Tables 1 and 2: the overall response is never better than any evaluated component,
    and a not-evaluated target can never be called a response."""
    result = overall_response(target, non_target, new).response
    if result == "NE":
        assert target == "NE" and not new and non_target is not NT.PD
        return
    bounds = [_RANK[target]] if target != "NE" else []
    if non_target in _NON_TARGET_BOUND:
        bounds.append(_NON_TARGET_BOUND[non_target])
    if new:
        bounds.append(_RANK["PD"])
    assert _RANK[result] >= max(bounds)
    assert target != "NE" or result == "PD"
