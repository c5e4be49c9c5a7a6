"""Chain-of-custody steps as staff take them: a bag from release to the bedside, two people's check."""

from __future__ import annotations

from typing import Any

from itc.drivers.staff_actions import STAFF, DrivenJourney
from itc.models.custody import ProductUnit
from itc.models.enums import Stage
from itc.rules.chain_of_identity import UnitKind

PHARMACIST = "pharm.nouri"
SECOND_NURSE = "nurse.tehrani"
CRYO_OK: dict[str, Any] = {
    "min_temperature_c": -190.0,
    "max_temperature_c": -170.0,
    "minutes_out_of_range": 0,
    "seal_intact": True,
}


async def bag(j: DrivenJourney, number: int) -> ProductUnit:
    state = await j.state()
    # The latest bag for the infusion: a re-made one after a discard.
    return next(u for u in reversed(state.units) if u.kind is UnitKind.BAG and u.infusion_number == number)


async def handoff(j: DrivenJourney, unit_id: str, kind: str, actor: str = STAFF, **extra: Any) -> Any:
    state = await j.state()
    body = {
        "actor_id": actor,
        "handoff": kind,
        "unit_id": unit_id,
        "participant_scan": state.participant_id,
        "occurred_at": (await j.now()).isoformat(),
        **extra,
    }
    return await j.update("record_custody_handoff", body)


async def bring_to_bedside(j: DrivenJourney, number: int) -> str:
    """Bag `number` released, shipped, received by the pharmacy and thawed, in range throughout."""
    unit = await bag(j, number)
    steps = [h.handoff.value for h in unit.handoffs]
    for kind in ("released", "shipped_to_site", "pharmacy_received"):
        if kind not in steps:
            await handoff(j, unit.unit_id, kind, **CRYO_OK)
    if "thawed" not in steps:
        await handoff(j, unit.unit_id, "thawed", actor=PHARMACIST)
    return unit.unit_id


async def verify_at_bedside(j: DrivenJourney, number: int, unit_id: str, actor: str) -> Any:
    state = await j.state()
    return await j.update(
        "record_bedside_verification",
        {
            "actor_id": actor,
            "infusion_number": number,
            "unit_id": unit_id,
            "wristband_id": state.participant_id,
            "verified_at": (await j.now()).isoformat(),
        },
    )


async def ready_for_infusion(j: DrivenJourney, number: int) -> None:
    """Under chain of custody: the bag at the bedside and checked by two different people."""
    state = await j.state()
    pending = next((i for i in state.infusions if i.number == number), None)
    # Nobody thaws a bag for an infusion on hold: the clock since thaw would run out.
    if (
        state.chain_of_identity is None
        or state.stage is not Stage.INFUSION
        or (pending is not None and pending.held_since is not None)
    ):
        return
    unit_id = await bring_to_bedside(j, number)
    checked = (await bag(j, number)).verifiers(number)
    for actor in (STAFF, SECOND_NURSE):
        if actor not in checked:  # a refused infusion tried again keeps its bedside checks
            await verify_at_bedside(j, number, unit_id, actor)
