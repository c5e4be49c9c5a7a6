"""The CRS and ICANS findings' choices as the dashboard offers them, in the standard's words.

Keys are the form field names ("crs.oxygen_device"); values are (submitted value, label)
pairs in the order of the ASTCT tables, mildest first.
"""

from __future__ import annotations

from collections.abc import Mapping

from itc.rules.crs import FeverMasking, OxygenDevice, Vasopressor
from itc.rules.icans import Consciousness, MotorFinding, RaisedIntracranialPressure, Seizure

Choices = list[tuple[str, str]]

FINDING_CHOICES: dict[str, Choices] = {
    "crs.fever_masked_by": [
        (FeverMasking.ANTIPYRETIC, "Antipyretic"),
        (FeverMasking.TOCILIZUMAB, "Tocilizumab"),
        (FeverMasking.CORTICOSTEROID, "Corticosteroid"),
        (FeverMasking.OTHER_ANTI_CYTOKINE, "Other anti-cytokine therapy"),
    ],
    "crs.vasopressor_kinds": [
        (Vasopressor.NOREPINEPHRINE, "Norepinephrine"),
        (Vasopressor.EPINEPHRINE, "Epinephrine"),
        (Vasopressor.PHENYLEPHRINE, "Phenylephrine"),
        (Vasopressor.DOPAMINE, "Dopamine"),
        (Vasopressor.VASOPRESSIN, "Vasopressin"),
        (Vasopressor.OTHER, "Other vasopressor (not vasopressin)"),
    ],
    "crs.oxygen_device": [
        (OxygenDevice.NASAL_CANNULA, "Nasal cannula (give the flow)"),
        (OxygenDevice.BLOW_BY, "Blow-by"),
        (OxygenDevice.FACEMASK, "Facemask"),
        (OxygenDevice.NON_REBREATHER_MASK, "Non-rebreather mask"),
        (OxygenDevice.VENTURI_MASK, "Venturi mask"),
        (OxygenDevice.POSITIVE_PRESSURE, "Positive pressure (CPAP, BiPAP, intubation)"),
    ],
    "icans.consciousness": [
        (Consciousness.ALERT, "Alert"),
        (Consciousness.AWAKENS_SPONTANEOUSLY, "Awakens spontaneously"),
        (Consciousness.AWAKENS_TO_VOICE, "Awakens to voice"),
        (Consciousness.AWAKENS_ONLY_TO_TACTILE_STIMULUS, "Awakens only to tactile stimulus"),
        (Consciousness.UNAROUSABLE, "Unarousable, or only to vigorous or repetitive touch; stupor, coma"),
    ],
    "icans.seizure": [
        (Seizure.NONE, "None"),
        (Seizure.CLINICAL_RESOLVED_RAPIDLY, "Clinical seizure, resolved rapidly"),
        (Seizure.NON_CONVULSIVE_ON_EEG_RESOLVED_WITH_INTERVENTION, "Non-convulsive on EEG, resolved with intervention"),
        (Seizure.PROLONGED_OVER_5_MINUTES, "Prolonged, over 5 minutes"),
        (Seizure.REPETITIVE_WITHOUT_RETURN_TO_BASELINE, "Repetitive, without return to baseline between"),
    ],
    "icans.motor_findings": [
        (MotorFinding.NONE, "None"),
        (MotorFinding.DEEP_FOCAL_WEAKNESS, "Deep focal weakness (hemiparesis, paraparesis)"),
    ],
    "icans.raised_intracranial_pressure": [
        (RaisedIntracranialPressure.NONE, "None"),
        (RaisedIntracranialPressure.FOCAL_OEDEMA_ON_IMAGING, "Focal/local oedema on imaging"),
        (RaisedIntracranialPressure.DIFFUSE_OEDEMA_ON_IMAGING, "Diffuse cerebral oedema on imaging"),
        (RaisedIntracranialPressure.DECEREBRATE_OR_DECORTICATE_POSTURING, "Decerebrate or decorticate posturing"),
        (RaisedIntracranialPressure.CRANIAL_NERVE_VI_PALSY, "Cranial nerve VI palsy"),
        (RaisedIntracranialPressure.PAPILLOEDEMA, "Papilloedema"),
        (RaisedIntracranialPressure.CUSHINGS_TRIAD, "Cushing's triad"),
    ],
}
# Several may apply at once: one checkbox each, named "<field>.<value>".
MULTIPLE_CHOICE = frozenset({"crs.fever_masked_by", "crs.vasopressor_kinds"})


def chosen(values: Mapping[str, str], name: str) -> list[str]:
    """The values of a multiple-choice field whose boxes are ticked."""
    return [str(value) for value, _ in FINDING_CHOICES[name] if f"{name}.{value}" in values]
