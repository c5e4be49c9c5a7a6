"""The chain report's units sent to the external FHIR server: the specimen as a `Specimen`, each
bag as a `BiologicallyDerivedProduct` (FHIR R5), created once per unit and state."""

from __future__ import annotations

from itc.chain.fhir_resources import unit_resources
from itc.chain.report import ChainReport
from itc.services.errors import ExternalServiceRejected
from itc.services.fhir_client import FhirClient, FhirVersion


class FhirCustodyPublisher:
    def __init__(self, client: FhirClient) -> None:
        self._client = client

    async def publish(self, report: ChainReport) -> list[str]:
        """Create each unit's resource; a retry finds the first one (the key names the unit and its state)."""
        if self._client.version is not FhirVersion.R5 or report.chain_of_identity is None:
            # R4B's BiologicallyDerivedProduct has no biological source event: the COI would be lost.
            raise ExternalServiceRejected("unit resources need FHIR R5 and a chain of identity")
        created = []
        resources = unit_resources(report.participant_id, report.chain_of_identity, report.units)
        for unit, resource in zip(report.units, resources, strict=True):
            state = (
                "infused"
                if unit.infused_at
                else "discarded"
                if unit.discarded
                else "held"
                if unit.on_hold
                else "available"
            )
            key = f"{unit.unit_id}:{state}"
            resource["identifier"].append(self._client.idempotency_identifier(key))
            created.append((await self._client.create(resource, key)).resource_id)
        return created
