"""ASTCT ICANS consensus grading for adults (Lee et al. 2019, "ASTCT ICANS Consensus Grading for Adults")."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itc.rules.icans import Consciousness, MotorFinding, RaisedIntracranialPressure, Seizure, grade

ALERT = Consciousness.ALERT


@pytest.mark.parametrize(
    ("ice", "expected"),
    [(10, 0), (9, 1), (7, 1), (6, 2), (3, 2), (2, 3), (0, 3)],
)
def test_astct_icans_ice_score_row(ice, expected):
    """ASTCT ICANS Consensus Grading, ICE score row: 7-9 G1, 3-6 G2, 0-2 G3."""
    assert grade(ice_score=ice, consciousness=ALERT).grade == expected


def test_astct_icans_ice_0_is_grade_3_awake_and_grade_4_unarousable():
    """ASTCT ICANS Consensus Grading, footnote: ICE 0 is G3 if awake with global aphasia, G4 if unarousable."""
    assert grade(ice_score=0, consciousness=ALERT).grade == 3
    assert grade(ice_score=0, consciousness=Consciousness.UNAROUSABLE).grade == 4
    assert grade(ice_score=None, consciousness=Consciousness.UNAROUSABLE).grade == 4


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (Consciousness.ALERT, 0),
        (Consciousness.AWAKENS_SPONTANEOUSLY, 1),
        (Consciousness.AWAKENS_TO_VOICE, 2),
        (Consciousness.AWAKENS_ONLY_TO_TACTILE_STIMULUS, 3),
        (Consciousness.UNAROUSABLE, 4),
    ],
)
def test_astct_icans_depressed_level_of_consciousness_row(level, expected):
    """ASTCT ICANS Consensus Grading, depressed level of consciousness row."""
    assert grade(ice_score=10, consciousness=level).grade == expected


@pytest.mark.parametrize(
    ("seizure", "expected"),
    [
        (Seizure.NONE, 0),
        (Seizure.CLINICAL_RESOLVED_RAPIDLY, 3),
        (Seizure.NON_CONVULSIVE_ON_EEG_RESOLVED_WITH_INTERVENTION, 3),
        (Seizure.PROLONGED_OVER_5_MINUTES, 4),
        (Seizure.REPETITIVE_WITHOUT_RETURN_TO_BASELINE, 4),
    ],
)
def test_astct_icans_seizure_row(seizure, expected):
    """ASTCT ICANS Consensus Grading, seizure row: rapidly resolving or EEG-only G3; > 5 min or repetitive G4."""
    assert grade(ice_score=10, consciousness=ALERT, seizure=seizure).grade == expected


def test_astct_icans_motor_findings_row():
    """ASTCT ICANS Consensus Grading, motor findings row: deep focal weakness (hemiparesis, paraparesis) G4."""
    assert grade(ice_score=10, consciousness=ALERT, motor=MotorFinding.NONE).grade == 0
    assert grade(ice_score=10, consciousness=ALERT, motor=MotorFinding.DEEP_FOCAL_WEAKNESS).grade == 4


@pytest.mark.parametrize(
    ("finding", "expected"),
    [
        (RaisedIntracranialPressure.NONE, 0),
        (RaisedIntracranialPressure.FOCAL_OEDEMA_ON_IMAGING, 3),
        (RaisedIntracranialPressure.DIFFUSE_OEDEMA_ON_IMAGING, 4),
        (RaisedIntracranialPressure.DECEREBRATE_OR_DECORTICATE_POSTURING, 4),
        (RaisedIntracranialPressure.CRANIAL_NERVE_VI_PALSY, 4),
        (RaisedIntracranialPressure.PAPILLOEDEMA, 4),
        (RaisedIntracranialPressure.CUSHINGS_TRIAD, 4),
    ],
)
def test_astct_icans_raised_icp_cerebral_oedema_row(finding, expected):
    """ASTCT ICANS Consensus Grading, elevated ICP/cerebral oedema row: focal oedema G3; diffuse oedema,
    posturing, CN VI palsy, papilloedema or Cushing's triad G4."""
    assert grade(ice_score=10, consciousness=ALERT, raised_intracranial_pressure=finding).grade == expected


def test_astct_icans_worst_domain_wins_and_is_named():
    """ASTCT ICANS Consensus Grading: "determined by the most severe event"; ICE 3 with a seizure is G3."""
    graded = grade(ice_score=3, consciousness=ALERT, seizure=Seizure.CLINICAL_RESOLVED_RAPIDLY)
    assert graded.label == "G3: clinical seizure that resolved rapidly"
    tied = grade(ice_score=2, consciousness=Consciousness.AWAKENS_ONLY_TO_TACTILE_STIMULUS)
    assert tied.label == "G3: ICE 2 (0-2); awakens only to tactile stimulus"


def test_astct_icans_ice_required_unless_unarousable():
    with pytest.raises(ValueError, match="ice_score"):
        grade(ice_score=None, consciousness=Consciousness.AWAKENS_TO_VOICE)
    with pytest.raises(ValueError, match="ICE score"):
        grade(ice_score=11, consciousness=ALERT)


_LEVELS = list(Consciousness)


@given(st.integers(0, 10), st.integers(0, 10), st.sampled_from(_LEVELS), st.sampled_from(list(Seizure)))
def test_astct_icans_grade_monotone_in_ice_score(a, b, level, seizure):
    """ASTCT ICANS Consensus Grading: a lower ICE score never grades lower."""
    lo, hi = sorted((a, b))
    assert (
        grade(ice_score=lo, consciousness=level, seizure=seizure).grade
        >= grade(ice_score=hi, consciousness=level, seizure=seizure).grade
    )


@given(st.integers(0, 10), st.sampled_from(_LEVELS), st.sampled_from(_LEVELS))
def test_astct_icans_grade_monotone_in_depth_of_consciousness(ice, a, b):
    """ASTCT ICANS Consensus Grading: deeper depression of consciousness never grades lower."""
    lo, hi = sorted((a, b), key=_LEVELS.index)
    assert grade(ice_score=ice, consciousness=lo).grade <= grade(ice_score=ice, consciousness=hi).grade
