"""ASTCT CRS consensus grading (Lee et al. 2019, Biol Blood Marrow Transplant 25:625, "ASTCT CRS Consensus Grading")."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itc.rules.crs import FeverMasking, OxygenDevice, Vasopressor, grade

NE, EPI, PHE, VASO = (
    Vasopressor.NOREPINEPHRINE,
    Vasopressor.EPINEPHRINE,
    Vasopressor.PHENYLEPHRINE,
    Vasopressor.VASOPRESSIN,
)


def crs(temp=38.5, masked=(), hypotension=False, pressors=(), device=None, flow=0.0):
    return grade(
        temperature_c=temp,
        fever_masked_by=list(masked),
        hypotension=hypotension,
        vasopressors=list(pressors),
        oxygen_device=device,
        oxygen_l_per_min=flow,
    )


@pytest.mark.parametrize(("temp", "expected"), [(37.9, 0), (37.99, 0), (38.0, 1), (40.5, 1)])
def test_astct_crs_fever_at_least_38_is_required(temp, expected):
    """ASTCT CRS Consensus Grading, fever row: temperature >= 38 °C."""
    assert crs(temp=temp).grade == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(hypotension=True),
        dict(hypotension=True, pressors=[NE]),
        dict(hypotension=True, pressors=[NE, PHE]),
        dict(device=OxygenDevice.POSITIVE_PRESSURE),
        dict(device=OxygenDevice.NASAL_CANNULA, flow=10),
    ],
)
def test_astct_crs_afebrile_hypotension_or_hypoxia_is_not_crs(kwargs):
    """ASTCT CRS Consensus Grading: fever is required; organ support without it is not CRS."""
    graded = crs(temp=37.0, **kwargs)
    assert graded.grade == 0
    assert graded.clause.startswith("not CRS")


@pytest.mark.parametrize("masking", list(FeverMasking))
def test_astct_crs_fever_masked_by_therapy_still_grades(masking):
    """ASTCT CRS Consensus Grading, footnote: after antipyretic or anti-cytokine therapy fever is not required."""
    graded = crs(temp=36.8, masked=[masking], hypotension=True, pressors=[NE])
    assert graded.grade == 3
    assert f"fever masked by {masking.value}" in graded.clause
    assert crs(temp=36.8, masked=[masking]).grade == 1


@pytest.mark.parametrize(
    ("pressors", "expected"),
    [
        ([], 2),  # hypotension not requiring vasopressors
        ([NE], 3),  # one vasopressor
        ([VASO], 3),  # vasopressin alone is a vasopressor
        ([NE, VASO], 3),  # "with or without vasopressin"
        ([NE, PHE], 4),  # "multiple vasopressors (excluding vasopressin)"
        ([NE, EPI, VASO], 4),
        ([Vasopressor.OTHER, Vasopressor.OTHER], 4),
    ],
)
def test_astct_crs_hypotension_row(pressors, expected):
    """ASTCT CRS Consensus Grading, hypotension row: G2 none / G3 one with or without vasopressin / G4 multiple excluding vasopressin."""
    assert crs(hypotension=True, pressors=pressors).grade == expected


@pytest.mark.parametrize(
    ("device", "flow", "expected"),
    [
        (None, 0.0, 1),
        (OxygenDevice.NASAL_CANNULA, 0.5, 2),
        (OxygenDevice.NASAL_CANNULA, 6.0, 2),  # low-flow is <= 6 L/min
        (OxygenDevice.NASAL_CANNULA, 6.01, 3),  # high-flow is > 6 L/min
        (None, 6.0, 2),  # a flow without a device is read as nasal cannula
        (None, 6.5, 3),
        (OxygenDevice.BLOW_BY, 0.0, 2),
        (OxygenDevice.FACEMASK, 0.0, 3),
        (OxygenDevice.NON_REBREATHER_MASK, 15.0, 3),
        (OxygenDevice.VENTURI_MASK, 4.0, 3),
        (OxygenDevice.POSITIVE_PRESSURE, 0.0, 4),
    ],
)
def test_astct_crs_hypoxia_row(device, flow, expected):
    """ASTCT CRS Consensus Grading, hypoxia row: low-flow <= 6 L/min or blow-by G2; high-flow, facemask,
    non-rebreather, Venturi G3; positive pressure G4."""
    assert crs(device=device, flow=flow).grade == expected


def test_astct_crs_grade_is_the_worse_of_hypotension_and_hypoxia():
    """ASTCT CRS Consensus Grading: "CRS grade is determined by the more severe event"."""
    graded = crs(hypotension=True, device=OxygenDevice.FACEMASK)
    assert graded.grade == 3
    assert graded.label == "G3: oxygen by facemask"
    both = crs(hypotension=True, pressors=[NE], device=OxygenDevice.VENTURI_MASK)
    assert (
        both.label
        == "G3: hypotension on one vasopressor with or without vasopressin (norepinephrine); oxygen by Venturi mask"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(pressors=[NE]), "hypotension"),
        (dict(device=OxygenDevice.NASAL_CANNULA, flow=0.0), "nasal cannula"),
        (dict(flow=-1.0), "oxygen_l_per_min"),
        (dict(flow=float("nan")), "oxygen_l_per_min"),
    ],
)
def test_astct_crs_refuses_incoherent_findings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        crs(**kwargs)


_PRESSORS = st.lists(st.sampled_from(list(Vasopressor)), max_size=4)


@given(st.floats(30, 45), _PRESSORS, _PRESSORS, st.floats(0, 60), st.floats(0, 60))
def test_astct_crs_grade_monotone_in_support(temp, fewer, extra, flow_a, flow_b):
    """ASTCT CRS Consensus Grading: more vasopressors or more nasal-cannula flow never grade lower."""
    lo, hi = sorted((flow_a, flow_b))
    device = OxygenDevice.NASAL_CANNULA if lo > 0 else None
    less = crs(temp=temp, hypotension=True, pressors=fewer, device=device, flow=lo).grade
    more = crs(temp=temp, hypotension=True, pressors=fewer + extra, device=device, flow=hi).grade
    assert less <= more
