"""The chain-of-identity report: every unit of a participant's cells and every handoff, with who,
when, where and at what temperature, rebuilt from the journey's events alone.

It reads nothing but `journey_events` (the permanent record), so what it shows is what an
auditor finds there, whatever a workflow holds in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from itc.models.enums import EventType
from itc.models.events import JourneyEvent
from itc.models.unit_records import HandoffConditions, UnitDescription

PRODUCT_NAME = "iPSC-derived NK cells (autologous)"


class Shipment(HandoffConditions):
    """A handoff as its event records it: the journey's conditions and the courier's details."""

    courier: str | None = None
    shipper_id: str | None = None
    logger_id: str | None = None
    seal_intact: bool | None = None


class ChainStep(Shipment):
    sequence: int
    step: str
    occurred_at: datetime
    actor: str
    actor_role: str | None = None
    note: str | None = None


class UnitChain(UnitDescription):
    steps: list[ChainStep] = Field(default_factory=list)
    on_hold: bool = False
    discarded: bool = False
    released_under_deviation: bool = False
    bedside_verifiers: list[str] = Field(default_factory=list)
    infused_at: datetime | None = None


class Incident(BaseModel):
    sequence: int
    occurred_at: datetime
    actor: str
    context: str
    problem: str


class ChainReport(BaseModel):
    participant_id: str
    chain_of_identity: str | None = None
    units: list[UnitChain] = Field(default_factory=list)
    incidents: list[Incident] = Field(default_factory=list)


def _step(event: JourneyEvent, step: str, note: str | None = None, **fields: Any) -> ChainStep:
    return ChainStep(
        sequence=event.sequence,
        step=step,
        occurred_at=event.occurred_at,
        actor=event.actor,
        actor_role=event.actor_role,
        note=note,
        **fields,
    )


def chain_report(participant_id: str, events: Iterable[JourneyEvent]) -> ChainReport:
    report = ChainReport(participant_id=participant_id)
    units: dict[str, UnitChain] = {}
    for event in sorted(events, key=lambda e: e.sequence):
        p = event.payload
        if event.type is EventType.CHAIN_OF_IDENTITY_ASSIGNED:
            report.chain_of_identity = p["chain_of_identity"]
        elif event.type is EventType.UNIT_LABELLED:
            unit = UnitChain.model_validate({name: p[name] for name in UnitDescription.model_fields if name in p})
            unit.steps.append(_step(event, "labelled"))
            units[unit.unit_id] = unit
            report.units.append(unit)
        elif event.type is EventType.CUSTODY_HANDOFF_RECORDED and p["unit_id"] in units:
            fields = {name: p.get(name) for name in Shipment.model_fields}
            units[p["unit_id"]].steps.append(_step(event, p["handoff"], p.get("excursion"), **fields))
        elif event.type is EventType.UNIT_QUALITY_HOLD and p["unit_id"] in units:
            units[p["unit_id"]].on_hold = True
            units[p["unit_id"]].steps.append(_step(event, "quality_hold", p["reason"]))
        elif event.type is EventType.QUALITY_DECISION_RECORDED and p["unit_id"] in units:
            unit = units[p["unit_id"]]
            unit.on_hold = False
            unit.discarded = p["decision"] == "discard"
            unit.released_under_deviation = p["decision"] == "release_under_deviation"
            unit.steps.append(_step(event, p["decision"], event.reason))
        elif event.type is EventType.BEDSIDE_VERIFICATION_RECORDED and p["unit_id"] in units:
            unit = units[p["unit_id"]]
            if event.actor not in unit.bedside_verifiers:
                unit.bedside_verifiers.append(event.actor)
            unit.steps.append(_step(event, "bedside_check", f"infusion {p['infusion_number']}"))
        elif event.type is EventType.INFUSION_ADMINISTERED:
            bag = next(
                (
                    u
                    for u in reversed(report.units)
                    if u.kind == "U"
                    and (u.for_infusion or u.number) == p["infusion_number"]
                    and u.infused_at is None
                    and not u.discarded
                ),
                None,
            )
            if bag is not None:
                bag.infused_at = event.occurred_at
                bag.steps.append(_step(event, "infused", f"infusion {p['infusion_number']}"))
        elif event.type is EventType.CHAIN_OF_IDENTITY_INCIDENT:
            report.incidents.append(
                Incident(
                    sequence=event.sequence,
                    occurred_at=event.occurred_at,
                    actor=event.actor,
                    context=p["context"],
                    problem=p["problem"],
                )
            )
    return report
