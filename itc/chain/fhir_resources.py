"""The units as FHIR R5 resources: the biopsy specimen as a `Specimen`, each infusion bag as a
`BiologicallyDerivedProduct`, both carrying the COI and the unit ID as identifiers."""

from __future__ import annotations

from typing import Any

from itc.chain.report import PRODUCT_NAME, UnitChain

COI_SYSTEM = "urn:itc:chain-of-identity"
UNIT_SYSTEM = "urn:itc:unit-id"
PATIENT_SYSTEM = "urn:itc:participant"


def _identifiers(coi: str, unit: UnitChain) -> list[dict[str, Any]]:
    return [{"system": UNIT_SYSTEM, "value": unit.unit_id}, {"system": COI_SYSTEM, "value": coi}]


def specimen(participant_id: str, coi: str, unit: UnitChain) -> dict[str, Any]:
    collected = next((s.occurred_at for s in unit.steps if s.step == "labelled"), None)
    resource: dict[str, Any] = {
        "resourceType": "Specimen",
        "identifier": _identifiers(coi, unit),
        "status": "unavailable" if unit.discarded else "available",
        "type": {"text": "Skin punch biopsy"},
        "subject": {"identifier": {"system": PATIENT_SYSTEM, "value": participant_id}},
    }
    if collected is not None:
        resource["collection"] = {"collectedDateTime": collected.isoformat()}
    return resource


def biologically_derived_product(participant_id: str, coi: str, unit: UnitChain) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "BiologicallyDerivedProduct",
        "identifier": _identifiers(coi, unit),
        "productCategory": {"system": "http://hl7.org/fhir/product-category", "code": "cells", "display": "Cells"},
        "productCode": {"text": PRODUCT_NAME},
        "biologicalSourceEvent": {"system": COI_SYSTEM, "value": coi},
        "productStatus": {
            "system": "http://hl7.org/fhir/biologicallyderived-product-status",
            "code": "unavailable" if unit.discarded or unit.infused_at else "available",
        },
        "property": [],
    }
    if unit.expires_at is not None:
        resource["expirationDate"] = unit.expires_at.isoformat()
    if unit.cell_count is not None:
        resource["property"].append(
            {"type": {"text": "viable cell count"}, "valueQuantity": {"value": unit.cell_count, "unit": "cells"}}
        )
    if unit.volume_ml is not None:
        resource["property"].append(
            {
                "type": {"text": "volume"},
                "valueQuantity": {
                    "value": unit.volume_ml,
                    "unit": "mL",
                    "system": "http://unitsofmeasure.org",
                    "code": "mL",
                },
            }
        )
    if not resource["property"]:
        del resource["property"]
    return resource


def unit_resources(participant_id: str, coi: str, units: list[UnitChain]) -> list[dict[str, Any]]:
    return [
        specimen(participant_id, coi, unit)
        if unit.kind == "S"
        else biologically_derived_product(participant_id, coi, unit)
        for unit in units
    ]
