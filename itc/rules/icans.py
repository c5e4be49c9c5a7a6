"""Immune effector cell-associated neurotoxicity syndrome graded by the ASTCT consensus
(Lee et al. 2019, "ASTCT ICANS Consensus Grading for Adults").

The grade is the most severe of five domains, each not attributable to another cause:
ICE score; depressed level of consciousness; seizure; motor findings; raised
intracranial pressure or cerebral oedema. An ICE score of 0 is grade 3 in a patient
who is awake (global aphasia) and grade 4 only when the patient is unarousable,
which the consciousness domain carries.
"""

from __future__ import annotations

from enum import StrEnum

from itc.rules.graded import Graded

ICE_MAX = 10
_ICE_G1_MIN = 7
_ICE_G2_MIN = 3


class Consciousness(StrEnum):
    ALERT = "alert"
    AWAKENS_SPONTANEOUSLY = "awakens_spontaneously"
    AWAKENS_TO_VOICE = "awakens_to_voice"
    AWAKENS_ONLY_TO_TACTILE_STIMULUS = "awakens_only_to_tactile_stimulus"
    # Unarousable, or arousable only by vigorous or repetitive tactile stimuli; stupor or coma.
    UNAROUSABLE = "unarousable"


class Seizure(StrEnum):
    NONE = "none"
    CLINICAL_RESOLVED_RAPIDLY = "clinical_resolved_rapidly"
    NON_CONVULSIVE_ON_EEG_RESOLVED_WITH_INTERVENTION = "non_convulsive_on_eeg_resolved_with_intervention"
    PROLONGED_OVER_5_MINUTES = "prolonged_over_5_minutes"
    REPETITIVE_WITHOUT_RETURN_TO_BASELINE = "repetitive_without_return_to_baseline"


class MotorFinding(StrEnum):
    NONE = "none"
    # Tremor and myoclonus are graded by CTCAE and do not count towards ICANS.
    DEEP_FOCAL_WEAKNESS = "deep_focal_weakness"


class RaisedIntracranialPressure(StrEnum):
    NONE = "none"
    FOCAL_OEDEMA_ON_IMAGING = "focal_oedema_on_imaging"
    DIFFUSE_OEDEMA_ON_IMAGING = "diffuse_oedema_on_imaging"
    DECEREBRATE_OR_DECORTICATE_POSTURING = "decerebrate_or_decorticate_posturing"
    CRANIAL_NERVE_VI_PALSY = "cranial_nerve_vi_palsy"
    PAPILLOEDEMA = "papilloedema"
    CUSHINGS_TRIAD = "cushings_triad"


_CONSCIOUSNESS: dict[Consciousness, tuple[int, str]] = {
    Consciousness.ALERT: (0, "alert"),
    Consciousness.AWAKENS_SPONTANEOUSLY: (1, "awakens spontaneously"),
    Consciousness.AWAKENS_TO_VOICE: (2, "awakens to voice"),
    Consciousness.AWAKENS_ONLY_TO_TACTILE_STIMULUS: (3, "awakens only to tactile stimulus"),
    Consciousness.UNAROUSABLE: (4, "unarousable, or only to vigorous or repetitive tactile stimuli"),
}
_SEIZURE: dict[Seizure, tuple[int, str]] = {
    Seizure.NONE: (0, "no seizure"),
    Seizure.CLINICAL_RESOLVED_RAPIDLY: (3, "clinical seizure that resolved rapidly"),
    Seizure.NON_CONVULSIVE_ON_EEG_RESOLVED_WITH_INTERVENTION: (
        3,
        "non-convulsive seizure on EEG that resolved with intervention",
    ),
    Seizure.PROLONGED_OVER_5_MINUTES: (4, "prolonged seizure > 5 min"),
    Seizure.REPETITIVE_WITHOUT_RETURN_TO_BASELINE: (4, "repetitive seizures without return to baseline"),
}
_MOTOR: dict[MotorFinding, tuple[int, str]] = {
    MotorFinding.NONE: (0, "no focal weakness"),
    MotorFinding.DEEP_FOCAL_WEAKNESS: (4, "deep focal motor weakness"),
}
_ICP: dict[RaisedIntracranialPressure, tuple[int, str]] = {
    RaisedIntracranialPressure.NONE: (0, "no raised intracranial pressure"),
    RaisedIntracranialPressure.FOCAL_OEDEMA_ON_IMAGING: (3, "focal/local oedema on neuroimaging"),
    RaisedIntracranialPressure.DIFFUSE_OEDEMA_ON_IMAGING: (4, "diffuse cerebral oedema on neuroimaging"),
    RaisedIntracranialPressure.DECEREBRATE_OR_DECORTICATE_POSTURING: (4, "decerebrate or decorticate posturing"),
    RaisedIntracranialPressure.CRANIAL_NERVE_VI_PALSY: (4, "cranial nerve VI palsy"),
    RaisedIntracranialPressure.PAPILLOEDEMA: (4, "papilloedema"),
    RaisedIntracranialPressure.CUSHINGS_TRIAD: (4, "Cushing's triad"),
}


def grade_ice(ice_score: int) -> tuple[int, str]:
    if not 0 <= ice_score <= ICE_MAX:
        raise ValueError(f"ICE score must be 0-{ICE_MAX}, got {ice_score}")
    if ice_score == ICE_MAX:
        return 0, f"ICE {ICE_MAX}"
    if ice_score >= _ICE_G1_MIN:
        return 1, f"ICE {ice_score} (7-9)"
    if ice_score >= _ICE_G2_MIN:
        return 2, f"ICE {ice_score} (3-6)"
    return 3, f"ICE {ice_score} (0-2)"


def grade(
    *,
    ice_score: int | None,
    consciousness: Consciousness,
    seizure: Seizure = Seizure.NONE,
    motor: MotorFinding = MotorFinding.NONE,
    raised_intracranial_pressure: RaisedIntracranialPressure = RaisedIntracranialPressure.NONE,
) -> Graded:
    """The ASTCT ICANS grade (0 = no ICANS) and every domain at that grade.

    `ice_score` may be None only for an unarousable patient, who cannot perform the ICE test.
    """
    consciousness = Consciousness(consciousness)
    if ice_score is None and consciousness is not Consciousness.UNAROUSABLE:
        raise ValueError("ice_score is required unless the patient is unarousable")
    domains = [
        _CONSCIOUSNESS[consciousness],
        _SEIZURE[Seizure(seizure)],
        _MOTOR[MotorFinding(motor)],
        _ICP[RaisedIntracranialPressure(raised_intracranial_pressure)],
    ]
    if ice_score is not None:
        domains.insert(0, grade_ice(ice_score))
    worst = max(g for g, _ in domains)
    if worst == 0:
        return Graded(0, "no ICANS: " + ", ".join(text for _, text in domains))
    return Graded(worst, "; ".join(text for g, text in domains if g == worst))
