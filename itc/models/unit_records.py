"""What the journey's units and the chain report both hold of a unit: its label and the
conditions of a handoff. Apart from the custody inputs (`itc.models.custody`), so that the chain
report, read on a staff machine, does not build the input models."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from itc.rules.chain_of_identity import UnitKind


class HandoffConditions(BaseModel):
    """Where a unit changed hands and the temperatures it saw on the way; the journey keeps these
    and the chain report shows them."""

    location: str | None = None
    min_temperature_c: float | None = None
    max_temperature_c: float | None = None
    minutes_out_of_range: int | None = None


class UnitDescription(BaseModel):
    """What a unit's label says of it; the journey's units and the chain report's share it."""

    unit_id: str
    kind: UnitKind
    number: int
    biopsy_attempt: int
    # A bag re-made after a discard carries its own unit number and the infusion it replaces.
    for_infusion: int | None = None
    cell_count: float | None = None
    volume_ml: float | None = None
    expires_at: datetime | None = None
