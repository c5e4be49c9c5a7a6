"""The chain report's outputs: unit labels (PDF with a Code 128 barcode) and FHIR R5 resources."""

from __future__ import annotations

from datetime import UTC, datetime

from fhir.resources.biologicallyderivedproduct import BiologicallyDerivedProduct
from fhir.resources.specimen import Specimen
from fhir_fake_server import FakeFhirServer

from itc.chain.fhir_resources import COI_SYSTEM, UNIT_SYSTEM, unit_resources
from itc.chain.labels import unit_label_pdf
from itc.chain.report import ChainReport, ChainStep, UnitChain
from itc.rules.chain_of_identity import coi_from_seed
from itc.services.fhir import fhir_client
from itc.services.fhir_custody import FhirCustodyPublisher

COI = coi_from_seed("outputs")
LABELLED = ChainStep(sequence=9, step="labelled", occurred_at=datetime(2026, 3, 1, 9, tzinfo=UTC), actor="system")
SPECIMEN = UnitChain(unit_id=f"{COI}-S1", kind="S", number=1, biopsy_attempt=1, steps=[LABELLED])
BAG = UnitChain(
    unit_id=f"{COI}-U2",
    kind="U",
    number=2,
    biopsy_attempt=1,
    cell_count=4.2e9,
    volume_ml=100.0,
    expires_at=datetime(2027, 3, 1, tzinfo=UTC),
    steps=[LABELLED],
)


def test_a_label_carries_the_coi_unit_product_expiry_and_a_code_128_barcode():
    pdf = unit_label_pdf("ITC-007", COI, BAG, compress=False)
    assert pdf.startswith(b"%PDF")
    for text in (f"COI {COI}", f"Unit {COI}-U2", "Expires 2027-03-01", "NK cells"):
        assert text.encode() in pdf, text
    # The human-readable line under the bars is the encoded value, the unit ID the scan fields take.
    assert pdf.count(f"({COI}-U2)".encode()) >= 1
    assert unit_label_pdf("ITC-007", COI, BAG).startswith(b"%PDF")


def test_units_as_fhir_r5_resources_validate_with_fhir_resources():
    """FHIR R5 Specimen and BiologicallyDerivedProduct, each identified by unit ID and COI."""
    specimen, bag = unit_resources("ITC-007", COI, [SPECIMEN, BAG])
    parsed_specimen = Specimen.model_validate(specimen)
    parsed_bag = BiologicallyDerivedProduct.model_validate(bag)
    assert {(i.system, i.value) for i in parsed_specimen.identifier} == {(UNIT_SYSTEM, f"{COI}-S1"), (COI_SYSTEM, COI)}
    assert parsed_bag.biologicalSourceEvent.value == COI
    assert parsed_bag.productStatus.code == "available"
    assert [p.valueQuantity.value for p in parsed_bag.property] == [4.2e9, 100.0]


def test_the_chain_text_shows_who_when_where_and_temperature():
    from itc.cli.chain import chain_text

    shipped = ChainStep(
        sequence=12,
        step="shipped_to_site",
        occurred_at=datetime(2026, 5, 2, 8, tzinfo=UTC),
        actor="lab.tech",
        actor_role="lab",
        location="GMP suite 2",
        min_temperature_c=-190.0,
        max_temperature_c=-120.0,
        minutes_out_of_range=35,
        note="temperature -190 to -120 °C outside -196 to -150 °C",
    )
    bag = BAG.model_copy(update={"steps": [LABELLED, shipped], "on_hold": True})
    text = chain_text(ChainReport(participant_id="ITC-007", chain_of_identity=COI, units=[bag]))
    assert f"ITC-007  COI {COI}" in text
    assert f"{COI}-U2  ON QUALITY HOLD" in text
    line = next(row for row in text.splitlines() if "shipped_to_site" in row)
    for part in ("#12", "2026-05-02 08:00 UTC", "lab.tech (lab)", "at GMP suite 2", "-190 to -120 °C, 35 min out"):
        assert part in line, part


async def test_units_reach_the_external_fhir_server_once():
    """Through the FHIR adapter to a FHIR R5 server that validates each resource with fhir.resources."""
    report = ChainReport(participant_id="ITC-007", chain_of_identity=COI, units=[SPECIMEN, BAG])
    with FakeFhirServer("R5") as server:
        client = fhir_client(server.base_url, version="R5", timeout_seconds=5)
        try:
            first = await FhirCustodyPublisher(client).publish(report)
            again = await FhirCustodyPublisher(client).publish(report)
        finally:
            await client.aclose()
        posted = [r for r in server.state.received if r.method == "POST"]
    assert first == again and len(first) == 2
    assert [type(r.resource).__name__ for r in posted[:2]] == ["Specimen", "BiologicallyDerivedProduct"]
