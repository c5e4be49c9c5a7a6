"""The CRS and ICANS findings carry every ASTCT domain, refuse incoherent entries by field name,
and still decode the earlier form (committed histories and running journeys hold it)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from itc.models.inputs import CrsFindings, IcansFindings
from itc.rules.crs import OxygenDevice, Vasopressor
from itc.rules.icans import Consciousness, Seizure


def test_earlier_crs_findings_still_decode_and_map_onto_astct_terms():
    earlier = CrsFindings.model_validate(
        {
            "temperature_c": 39.2,
            "hypotension": False,
            "vasopressors": 2,
            "oxygen_l_per_min": 0.0,
            "oxygen_by_facemask": True,
            "positive_pressure_ventilation": False,
        }
    )
    assert earlier.vasopressors_running() == [Vasopressor.OTHER, Vasopressor.OTHER]
    assert earlier.hypotension_present()
    assert earlier.oxygen_support() is OxygenDevice.FACEMASK
    assert CrsFindings(temperature_c=38.5, oxygen_l_per_min=3).oxygen_support() is OxygenDevice.NASAL_CANNULA
    assert CrsFindings(temperature_c=38.5, positive_pressure_ventilation=True).oxygen_support() is (
        OxygenDevice.POSITIVE_PRESSURE
    )


def test_earlier_icans_findings_still_decode():
    earlier = IcansFindings.model_validate({"ice_score": 0, "unarousable": True, "seizure_over_5_minutes": True})
    assert earlier.level_of_consciousness() is Consciousness.UNAROUSABLE
    assert earlier.seizure_finding() is Seizure.PROLONGED_OVER_5_MINUTES


@pytest.mark.parametrize(
    ("findings", "field"),
    [
        (dict(vasopressor_kinds=["norepinephrine"]), "hypotension"),
        (dict(hypotension=True, vasopressor_kinds=["norepinephrine", "norepinephrine"]), "vasopressor_kinds"),
        (dict(hypotension=True, vasopressor_kinds=["norepinephrine"], vasopressors=2), "vasopressors"),
        (dict(fever_masked_by=["tocilizumab", "tocilizumab"]), "fever_masked_by"),
        (dict(oxygen_device="nasal_cannula"), "oxygen_l_per_min"),
        (dict(oxygen_device="nasal_cannula", oxygen_l_per_min=2, oxygen_by_facemask=True), "oxygen_by_facemask"),
        (dict(oxygen_device="facemask", positive_pressure_ventilation=True), "positive_pressure_ventilation"),
        (dict(oxygen_device="helmet"), "oxygen_device"),
        (dict(fever_masked_by=["paracetamol"]), "fever_masked_by"),
    ],
)
def test_incoherent_crs_findings_are_refused_naming_the_field(findings, field):
    with pytest.raises(ValidationError, match=field):
        CrsFindings.model_validate({"temperature_c": 38.5, **findings})


@pytest.mark.parametrize(
    ("findings", "field"),
    [
        (dict(consciousness="awakens_to_voice"), "ice_score"),
        (dict(ice_score=4, consciousness="unarousable"), "ice_score"),
        (dict(ice_score=4, unarousable=True, consciousness="awakens_to_voice"), "consciousness"),
        (dict(ice_score=4, seizure_over_5_minutes=True, seizure="clinical_resolved_rapidly"), "seizure"),
        (dict(ice_score=11), "ice_score"),
        (dict(ice_score=9, raised_intracranial_pressure="haemorrhage"), "raised_intracranial_pressure"),
    ],
)
def test_incoherent_icans_findings_are_refused_naming_the_field(findings, field):
    with pytest.raises(ValidationError, match=field):
        IcansFindings.model_validate(findings)


def test_unarousable_patient_needs_no_ice_score():
    assert IcansFindings(consciousness=Consciousness.UNAROUSABLE).ice_score is None
