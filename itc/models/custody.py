"""Chain of custody: the units that hold a participant's cells, their handoffs, their quality
holds and the two-person check at the bedside.

Inputs here are staff Updates (`<Verb><Noun>Input`); the rest is journey state. A scanned ID is
kept as typed: the journey parses it and checks its check character, so a misread scan is
refused with the journey's own message rather than a schema error.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, model_validator

from itc.models.inputs import AwareDatetime, Code, ParticipantId, Reason, StaffAction
from itc.models.text import SINGLE_LINE, SingleLineText
from itc.models.unit_records import HandoffConditions, UnitDescription
from itc.rules.chain_of_identity import UnitKind

# As scanned or typed; `itc.rules.chain_of_identity.parse_unit_id` reads it.
ScannedId = Annotated[str, Field(min_length=1, max_length=40), BeforeValidator(SINGLE_LINE)]


class HandoffKind(StrEnum):
    """A unit changing hands, in the order a unit meets them."""

    SHIPPED = "shipped"
    RECEIVED = "received"
    MANUFACTURING_CUSTODY = "manufacturing_custody"
    RELEASED = "released"
    SHIPPED_TO_SITE = "shipped_to_site"
    PHARMACY_RECEIVED = "pharmacy_received"
    STORED = "stored"
    THAWED = "thawed"
    AT_BEDSIDE = "at_bedside"

    @property
    def unit_kind(self) -> UnitKind:
        return UnitKind.SPECIMEN if self in SPECIMEN_HANDOFFS else UnitKind.BAG


SPECIMEN_HANDOFFS = (HandoffKind.SHIPPED, HandoffKind.RECEIVED, HandoffKind.MANUFACTURING_CUSTODY)
BAG_HANDOFFS = (
    HandoffKind.RELEASED,
    HandoffKind.SHIPPED_TO_SITE,
    HandoffKind.PHARMACY_RECEIVED,
    HandoffKind.STORED,
    HandoffKind.THAWED,
    HandoffKind.AT_BEDSIDE,
)
# Handoffs a unit may pass more than once (each manufacturing step; moves between freezers).
REPEATABLE_HANDOFFS = frozenset({HandoffKind.MANUFACTURING_CUSTODY, HandoffKind.STORED})


class QualityDecisionKind(StrEnum):
    RELEASE_UNDER_DEVIATION = "release_under_deviation"
    DISCARD = "discard"


class RecordCustodyHandoffInput(StaffAction):
    handoff: HandoffKind
    unit_id: ScannedId = Field(description="The unit's label as scanned, e.g. ITC-7K3P-Q9XM-H-U2.")
    participant_scan: ParticipantId = Field(description="The participant ID on the unit's paperwork, as scanned.")
    occurred_at: AwareDatetime
    location: SingleLineText | None = Field(default=None, max_length=120)
    courier: SingleLineText | None = Field(default=None, max_length=120)
    shipper_id: Code | None = None
    logger_id: Code | None = Field(default=None, description="The temperature logger's ID.")
    seal_intact: bool | None = None
    min_temperature_c: float | None = Field(default=None, ge=-273, le=100)
    max_temperature_c: float | None = Field(default=None, ge=-273, le=100)
    minutes_out_of_range: int | None = Field(default=None, ge=0, le=100_000)

    @model_validator(mode="after")
    def _min_not_above_max(self) -> RecordCustodyHandoffInput:
        low, high = self.min_temperature_c, self.max_temperature_c
        if low is not None and high is not None and low > high:
            raise ValueError("min_temperature_c is above max_temperature_c")
        return self


class RecordQualityDecisionInput(StaffAction):
    unit_id: ScannedId
    decision: QualityDecisionKind
    reason: Reason  # a quality decision always says why


class RecordBedsideVerificationInput(StaffAction):
    """One person's bedside check; the infusion needs two different people's."""

    infusion_number: int = Field(ge=1)
    unit_id: ScannedId
    wristband_id: ParticipantId | None = Field(default=None, description="The participant ID on the wristband.")
    date_of_birth: date | None = Field(
        default=None, description="When there is no wristband: as the participant says it."
    )
    verified_at: AwareDatetime

    @model_validator(mode="after")
    def _identity_checked(self) -> RecordBedsideVerificationInput:
        if self.wristband_id is None and self.date_of_birth is None:
            raise ValueError("check the participant's identity: give wristband_id or date_of_birth")
        return self


class HandoffRecord(HandoffConditions):
    sequence: int
    handoff: HandoffKind
    occurred_at: datetime
    actor: str
    excursion: bool = False


class BedsideCheck(BaseModel):
    infusion_number: int
    actor: str
    verified_at: datetime


class ProductUnit(UnitDescription):
    handoffs: list[HandoffRecord] = Field(default_factory=list)
    on_hold: bool = False
    hold_reason: str | None = None
    released_under_deviation: bool = False
    discarded: bool = False
    thawed_at: datetime | None = None
    bedside_checks: list[BedsideCheck] = Field(default_factory=list)
    infused_at: datetime | None = None

    @property
    def infusion_number(self) -> int:
        return self.for_infusion if self.for_infusion is not None else self.number

    @property
    def last_handoff(self) -> HandoffKind | None:
        return self.handoffs[-1].handoff if self.handoffs else None

    def verifiers(self, infusion_number: int) -> set[str]:
        return {check.actor for check in self.bedside_checks if check.infusion_number == infusion_number}
