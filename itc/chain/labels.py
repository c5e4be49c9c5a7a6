"""A printable label per unit: the COI, the unit ID, the product, its expiry and a Code 128 barcode.

The barcode encodes the unit ID exactly as the dashboard's scan fields read it: a handheld
scanner types it and presses Enter, so the label scans straight into a handoff or bedside form.
Drawn with ReportLab's own Code 128 (`reportlab.graphics.barcode`), not by hand.
"""

from __future__ import annotations

from io import BytesIO

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from itc.chain.report import PRODUCT_NAME, UnitChain

LABEL_SIZE = (100 * mm, 50 * mm)


def barcode_text(unit: UnitChain) -> str:
    """What the label's barcode encodes, and so what a scanner types into a scan field."""
    return unit.unit_id


def unit_label_pdf(participant_id: str, coi: str, unit: UnitChain, *, compress: bool = True) -> bytes:
    """One label, one page. `compress=False` keeps the page's text searchable (for tests and audits)."""
    out = BytesIO()
    canvas = Canvas(out, pagesize=LABEL_SIZE, pageCompression=1 if compress else 0)
    canvas.setTitle(f"Label {unit.unit_id}")
    height = LABEL_SIZE[1]
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(4 * mm, height - 7 * mm, PRODUCT_NAME if unit.kind == "U" else "Skin biopsy specimen")
    canvas.setFont("Helvetica", 9)
    lines = [f"COI {coi}", f"Unit {unit.unit_id}", f"Participant {participant_id}"]
    if unit.cell_count is not None and unit.volume_ml is not None:
        lines.append(f"{unit.cell_count:.3g} cells in {unit.volume_ml:g} mL")
    if unit.expires_at is not None:
        lines.append(f"Expires {unit.expires_at.date().isoformat()}")
    for row, line in enumerate(lines):
        canvas.drawString(4 * mm, height - (12 + 4.5 * row) * mm, line)
    barcode = Code128(barcode_text(unit), barHeight=10 * mm, barWidth=0.3 * mm, humanReadable=True)
    barcode.drawOn(canvas, 2 * mm, 3 * mm)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
