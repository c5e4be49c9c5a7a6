"""The one log line every scheduling service writes when a manufacturing slot is taken, so the
PostgreSQL and FHIR services report a reservation in the same words."""

from __future__ import annotations

from typing import Any

from itc.models.slots import SlotReservation


def log_slot_reserved(log: Any, participant_id: str, reservation: SlotReservation) -> None:
    log.info(
        "manufacturing_slot_reserved",
        participant_id=participant_id,
        week_start=reservation.week_start.isoformat(),
        slot_number=reservation.slot_number,
        duplicate=reservation.duplicate,
    )
