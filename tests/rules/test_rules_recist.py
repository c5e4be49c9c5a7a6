import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itc.rules.config import Recist
from itc.rules.recist import Lesion, assess_response, baseline_problems, confirmed_response, sum_of_diameters

CFG = Recist()


def les(lesion_id: str, mm: float, organ: str = "liver", node: bool = False) -> Lesion:
    return Lesion(lesion_id=lesion_id, organ=organ, is_lymph_node=node, diameter_mm=mm)


BASELINE = [les("L1", 60), les("L2", 40, organ="lung")]  # sum 100


def scan(a: float, b: float) -> list[Lesion]:
    return [les("L1", a), les("L2", b, organ="lung")]


def assess(current, nadir=100.0, baseline=BASELINE, new=False, non_target=False, cfg=CFG):
    return assess_response(baseline, nadir, current, new, non_target, cfg)


def test_sum_of_diameters():
    assert sum_of_diameters([]) == 0.0
    assert sum_of_diameters(BASELINE) == 100.0
    assert sum_of_diameters([les("N1", 17.5, "lymph", node=True), les("L1", 12.25)]) == 29.75


# ---- baseline problems


def test_valid_baseline_has_no_problems():
    assert baseline_problems(BASELINE, CFG) == []
    assert baseline_problems([les("N1", 15, "axilla", node=True), les("L1", 10)], CFG) == []


def test_no_target_lesions():
    assert baseline_problems([], CFG) == ["No target lesions recorded; at least one measurable lesion is required."]


def test_too_many_lesions():
    lesions = [les(f"L{i}", 20, organ=f"organ{i}") for i in range(6)]
    assert baseline_problems(lesions, CFG) == ["6 target lesions recorded; at most 5 are allowed."]
    assert baseline_problems(lesions[:5], CFG) == []


def test_too_many_per_organ():
    lesions = [les("L1", 20), les("L2", 20), les("L3", 20, organ=" Liver ")]
    assert baseline_problems(lesions, CFG) == ["3 target lesions in liver; at most 2 per organ are allowed."]
    assert baseline_problems(lesions[:2], CFG) == []


def test_lymph_nodes_count_as_one_organ():
    nodes = [les(f"N{i}", 20, site, node=True) for i, site in enumerate(("axilla", "mediastinum", "neck"))]
    assert baseline_problems(nodes, CFG) == ["3 target lesions in lymph nodes; at most 2 per organ are allowed."]


@pytest.mark.parametrize(("mm", "ok"), [(9.9, False), (10.0, True), (25.0, True)])
def test_non_nodal_measurable_boundary(mm, ok):
    problems = baseline_problems([les("L1", mm)], CFG)
    expected = [f"Lesion L1 longest diameter {mm:g} mm is below 10 mm, so it is not measurable."]
    assert problems == ([] if ok else expected)


@pytest.mark.parametrize(("mm", "ok"), [(10.0, False), (14.9, False), (15.0, True), (30.0, True)])
def test_node_short_axis_boundary(mm, ok):
    problems = baseline_problems([les("N1", mm, "axilla", node=True)], CFG)
    expected = [f"Lymph node N1 short axis {mm:g} mm is below 15 mm, so it is not measurable as a target."]
    assert problems == ([] if ok else expected)


def test_duplicate_ids():
    lesions = [les("L1", 20), les("L1", 30, organ="lung")]
    assert baseline_problems(lesions, CFG) == ["Lesion id L1 is used 2 times; each target lesion needs its own id."]


def test_several_problems_listed_together():
    lesions = [les("L1", 5), les("L1", 20), les("L2", 20), les("N1", 12, "axilla", node=True)]
    assert len(baseline_problems(lesions, CFG)) == 4


def test_baseline_limits_come_from_config():
    cfg = Recist(max_target_lesions=2, max_target_lesions_per_organ=1, min_measurable_mm=20)
    problems = baseline_problems([les("L1", 19), les("L2", 30), les("L3", 30, organ="lung")], cfg)
    assert problems == [
        "3 target lesions recorded; at most 2 are allowed.",
        "2 target lesions in liver; at most 1 per organ are allowed.",
        "Lesion L1 longest diameter 19 mm is below 20 mm, so it is not measurable.",
    ]


# ---- time-point response


@pytest.mark.parametrize(
    ("a", "b", "response"),
    [
        (42.0, 28.0, "PR"),  # exactly -30 %
        (40.0, 20.0, "PR"),
        (42.0, 28.1, "SD"),  # -29.9 %
        (60.0, 40.0, "SD"),
        (60.0, 59.9, "SD"),  # +19.9 % from nadir 100
        (60.0, 60.0, "PD"),  # +20 %, +20 mm
    ],
)
def test_pr_and_pd_boundaries_against_baseline(a, b, response):
    assert assess(scan(a, b)).response == response


def test_exact_thirty_percent_numbers():
    result = assess(scan(42, 28))
    assert result.sum_mm == 70.0
    assert result.baseline_sum_mm == 100.0
    assert result.nadir_sum_mm == 100.0
    assert result.change_from_baseline_percent == pytest.approx(-30.0)
    assert result.change_from_nadir_percent == pytest.approx(-30.0)
    assert result.change_from_nadir_mm == -30.0


@pytest.mark.parametrize(
    ("nadir", "a", "b", "response"),
    [
        (25.0, 18.0, 12.0, "PD"),  # +20 % and +5 mm
        (25.0, 17.9, 12.0, "SD"),  # +19.6 %, +4.9 mm
        (24.5, 17.4, 12.0, "SD"),  # +20 % but only +4.9 mm
        (24.5, 17.5, 12.0, "PD"),  # +22.4 %, +5 mm
        (100.0, 60.0, 59.9, "SD"),  # +19.9 % with +19.9 mm
        (100.0, 60.0, 60.0, "PD"),
    ],
)
def test_progression_needs_relative_and_absolute_increase(nadir, a, b, response):
    baseline = [les("L1", 20), les("L2", 15, organ="lung")]  # sum 35 keeps these away from PR
    result = assess(scan(a, b), nadir=nadir, baseline=baseline)
    assert result.response == response
    assert result.change_from_nadir_mm == pytest.approx(a + b - nadir)
    assert result.change_from_nadir_percent == pytest.approx(100 * (a + b - nadir) / nadir)


def test_progression_thresholds_come_from_config():
    cfg = Recist(progression_increase_percent=10, progression_min_absolute_mm=2)
    baseline = [les("L1", 20), les("L2", 15, organ="lung")]
    assert assess(scan(20, 13), nadir=30, baseline=baseline, cfg=cfg).response == "PD"  # +10 %, +3 mm
    assert assess(scan(20, 12.9), nadir=30, baseline=baseline, cfg=cfg).response == "SD"
    assert assess(scan(20, 13), nadir=30, baseline=baseline).response == "SD"  # default needs +20 %


def test_pr_threshold_comes_from_config():
    cfg = Recist(partial_response_decrease_percent=50)
    assert assess(scan(30, 20), cfg=cfg).response == "PR"
    assert assess(scan(30, 20.1), cfg=cfg).response == "SD"


@pytest.mark.parametrize(("node_mm", "response"), [(0.0, "CR"), (5.0, "CR"), (9.9, "CR"), (10.0, "PR"), (12.0, "PR")])
def test_complete_response_node_boundary(node_mm, response):
    baseline = [les("L1", 30), les("N1", 20, "axilla", node=True)]
    current = [les("L1", 0), les("N1", node_mm, "axilla", node=True)]
    result = assess(current, nadir=50, baseline=baseline)
    assert result.response == response
    assert result.sum_mm == node_mm


def test_non_nodal_residue_is_not_cr():
    baseline = [les("L1", 30)]
    assert assess([les("L1", 1)], nadir=30, baseline=baseline).response == "PR"


def test_new_lesion_is_pd_even_when_shrinking():
    result = assess(scan(0, 0), new=True)
    assert result.response == "PD"
    assert result.reasons[0] == "New lesion present."


def test_non_target_progression_is_pd():
    result = assess(scan(30, 20), non_target=True)
    assert result.response == "PD"
    assert result.reasons[0] == "Unequivocal progression of non-target lesions."


def test_missing_lesion_is_not_evaluable():
    result = assess([les("L1", 60)])
    assert result.response == "NE"
    assert result.reasons[0] == "Baseline target lesion(s) not measured on this scan: L2."
    assert result.sum_mm == 60.0


def test_missing_lesion_with_measured_progression_is_pd():
    # RECIST 1.1: the unmeasured lesion cannot undo PD already shown by the others.
    result = assess([les("L1", 125)])
    assert result.response == "PD"
    assert "Baseline target lesion(s) not measured on this scan: L2." in result.reasons


def test_missing_lesion_with_new_lesion_is_pd():
    assert assess([les("L1", 10)], new=True).response == "PD"


def test_unknown_and_repeated_ids_are_not_evaluable():
    unknown = assess([*scan(30, 20), les("X9", 15)])
    assert unknown.response == "NE"
    assert unknown.sum_mm == 50.0  # only baseline targets count
    assert unknown.reasons[0].startswith("Lesion(s) X9 are not baseline target lesions")
    repeated = assess([*scan(30, 20), les("L1", 31)])
    assert repeated.response == "NE"
    assert repeated.reasons[0] == "Lesion(s) measured more than once on this scan: L1."


def test_empty_baseline_is_not_evaluable():
    result = assess([], nadir=0, baseline=[])
    assert result.response == "NE"
    assert result.change_from_baseline_percent == 0.0


def test_negative_nadir_raises():
    with pytest.raises(ValueError):
        assess(scan(30, 20), nadir=-1)


@pytest.mark.parametrize(
    ("current_mm", "response", "nadir_pct"),
    [(0.0, "CR", 0.0), (4.9, "PR", 49.0), (5.0, "PD", 50.0)],
)
def test_zero_nadir_gives_finite_percentages(current_mm, response, nadir_pct):
    baseline = [les("L1", 20)]
    result = assess([les("L1", current_mm)], nadir=0.0, baseline=baseline)
    assert result.response == response
    assert result.change_from_nadir_percent == pytest.approx(nadir_pct)
    assert result.change_from_nadir_mm == current_mm
    json.loads(result.model_dump_json())


def test_reasons_carry_the_numbers():
    result = assess(scan(42, 28))
    assert result.reasons == (
        "Sum of diameters is at least 30% below baseline.",
        "Sum 70 mm: -30% from baseline 100 mm, -30% (-30 mm) from nadir 100 mm.",
    )


lesion_sizes = st.lists(st.floats(min_value=10, max_value=200), min_size=1, max_size=5)


@given(lesion_sizes, st.data(), st.booleans())
def test_new_lesion_always_gives_pd(sizes, data, non_target):
    baseline = [les(f"L{i}", mm, organ=f"o{i}") for i, mm in enumerate(sizes)]
    current = [
        les(f"L{i}", data.draw(st.floats(min_value=0, max_value=300)), organ=f"o{i}")
        for i in range(data.draw(st.integers(0, len(sizes))))
    ]
    nadir = data.draw(st.floats(min_value=0, max_value=sum(sizes)))
    assert assess(current, nadir=nadir, baseline=baseline, new=True, non_target=non_target).response == "PD"


@given(lesion_sizes, st.data())
def test_shrinking_below_nadir_is_never_pd(sizes, data):
    baseline = [les(f"L{i}", mm, organ=f"o{i}") for i, mm in enumerate(sizes)]
    fractions = [data.draw(st.floats(min_value=0, max_value=1)) for _ in sizes]
    current = [les(f"L{i}", mm * f, organ=f"o{i}") for i, (mm, f) in enumerate(zip(sizes, fractions, strict=False))]
    result = assess(current, nadir=sum(sizes), baseline=baseline)
    assert result.response in {"CR", "PR", "SD"}
    json.loads(result.model_dump_json())


# ---- confirmation


@pytest.mark.parametrize(
    ("first", "second", "sd_met", "best"),
    [
        ("CR", "CR", False, "CR"),
        ("CR", "CR", True, "CR"),
        ("CR", "PR", False, "PR"),
        ("CR", "PR", True, "PR"),
        ("CR", "SD", True, "SD"),
        ("CR", "SD", False, "PD"),  # disease back after a true CR is progression
        ("CR", "PD", True, "SD"),
        ("CR", "PD", False, "PD"),
        ("CR", "NE", True, "SD"),
        ("CR", "NE", False, "NE"),
        ("PR", "PR", False, "PR"),
        ("PR", "CR", False, "PR"),
        ("PR", "SD", False, "SD"),
        ("PR", "SD", True, "SD"),
        ("PR", "PD", True, "SD"),
        ("PR", "PD", False, "PD"),
        ("PR", "NE", True, "SD"),
        ("PR", "NE", False, "NE"),
        ("SD", "CR", True, "SD"),
        ("SD", "PR", False, "SD"),
        ("PD", "CR", True, "PD"),
        ("NE", "NE", True, "NE"),
        ("NE", "PR", False, "NE"),
    ],
)
def test_confirmed_response(first, second, sd_met, best):
    assert confirmed_response(first, second, sd_met) == best


@pytest.mark.parametrize(("first", "second"), [("XR", "CR"), ("CR", "cr"), ("", "PR")])
def test_confirmed_response_rejects_unknown_codes(first, second):
    with pytest.raises(ValueError):
        confirmed_response(first, second, True)
