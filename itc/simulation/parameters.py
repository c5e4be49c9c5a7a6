"""The simulation's parameters: one pydantic model, loaded from YAML or JSON.

Unknown keys are refused so a misspelt parameter cannot silently fall back to its default.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from itc.base.errors import InvalidInput, validation_lines
from itc.models.enums import Milestone

DEFAULT_PARAMETERS_FILE = Path(__file__).with_name("default_parameters.yaml")


def _ordered(spread: tuple[float, float, float]) -> tuple[float, float, float]:
    low, mode, high = spread
    if not low <= mode <= high:
        raise ValueError(f"a spread is [low, most likely, high] with low <= most likely <= high, got {list(spread)}")
    return spread


_Key = TypeVar("_Key")


def _grade_table(table: dict[int, float]) -> dict[int, float]:
    if sum(table.values()) > 1:
        raise ValueError(f"grade probabilities add up to {sum(table.values()):g}; at most 1 is possible")
    return table


def _weights(table: dict[_Key, float]) -> dict[_Key, float]:
    if not table or sum(table.values()) <= 0:
        raise ValueError("give at least one positive weight")
    return table


def _distribution(table: dict[str, float]) -> dict[str, float]:
    total = sum(table.values())
    if abs(total - 1) > 1e-6:
        raise ValueError(f"probabilities must add up to 1, got {total:g}")
    return table


Probability = Annotated[float, Field(ge=0, le=1)]
Weight = Annotated[float, Field(ge=0)]
Spread = Annotated[tuple[float, float, float], AfterValidator(_ordered)]
PositiveSpread = Annotated[
    tuple[Annotated[float, Field(ge=0)], ...], Field(min_length=3, max_length=3), AfterValidator(_ordered)
]
Grade = Annotated[int, Field(ge=1, le=4)]
GradeTable = Annotated[dict[Grade, Probability], AfterValidator(_grade_table)]
ScreenFailure = Literal["creatinine", "spo2", "alt", "infection", "metastases", "other_cancer"]
LesionSite = Literal["lung", "liver", "lymph_node", "bone"]
ResponseName = Literal["CR", "PR", "SD", "PD"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConsentParameters(_Section):
    age_years: Annotated[PositiveSpread, AfterValidator(lambda s: _within(s, 20, 70, "age_years"))] = (32, 52, 68)
    height_cm: Annotated[PositiveSpread, AfterValidator(lambda s: _within(s, 100, 250, "height_cm"))] = (150, 162, 178)
    weight_kg: Annotated[PositiveSpread, AfterValidator(lambda s: _within(s, 25, 300, "weight_kg"))] = (48, 66, 95)
    receptor_positive_probability: dict[Literal["er", "pr", "her2"], Probability] = {
        "er": 0.7,
        "pr": 0.55,
        "her2": 0.25,
    }


def _within(spread: tuple[float, ...], low: float, high: float, name: str) -> tuple[float, ...]:
    # Outside these bounds the consent record itself would be refused, which is not what a
    # parameter is meant to simulate (screen failures have their own parameter).
    if spread[0] < low or spread[2] > high:
        raise ValueError(f"{name} must stay within {low:g}-{high:g}")
    return spread


class ScreeningParameters(_Section):
    days_to_results: PositiveSpread = (1, 3, 7)
    failure_probability: Probability = 0.18
    failure_reasons: Annotated[dict[ScreenFailure, Weight], AfterValidator(_weights)] = {"metastases": 1}


class BaselineParameters(_Section):
    days_after_eligibility: PositiveSpread = (1, 3, 6)
    lesion_sites: Annotated[dict[LesionSite, Weight], AfterValidator(_weights)] = {"lung": 1}
    lesion_diameter_mm: Annotated[
        PositiveSpread, AfterValidator(lambda s: _within(s, 15, 300, "lesion_diameter_mm"))
    ] = (16, 26, 55)


class BiopsyParameters(_Section):
    days_after_baseline: PositiveSpread = (1, 2, 5)


class ManufacturingParameters(_Section):
    milestone_days: dict[Milestone, PositiveSpread]
    failure_probability: Probability = 0.15
    failure_at: Annotated[dict[Milestone, Weight], AfterValidator(_weights)] = {Milestone.IPSC_LINE_ESTABLISHED: 1}
    rebiopsy_probability: Probability = 0.7
    decision_days: PositiveSpread = (1, 2, 4)
    viable_cells_total: PositiveSpread = (2.0e10, 2.6e10, 3.5e10)

    @model_validator(mode="after")
    def _every_milestone_has_a_duration(self) -> ManufacturingParameters:
        missing = [m.value for m in Milestone if m not in self.milestone_days]
        if missing:
            raise ValueError("milestone_days needs a spread for " + ", ".join(missing))
        return self


class InfusionParameters(_Section):
    hours_after_target: Annotated[PositiveSpread, AfterValidator(lambda s: _within(s, 0, 40, "hours_after_target"))] = (
        1,
        3,
        20,
    )


class ToxicityParameters(_Section):
    crs: GradeTable = {}
    icans: GradeTable = {}
    non_haematological: GradeTable = {}
    haematological: GradeTable = {}
    non_haematological_terms: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")]] = Field(
        default=["fatigue"], min_length=1
    )
    related_probability: Probability = 0.6
    unexpected_probability: Probability = 0.1
    onset_check_weights: Annotated[dict[int, Weight], AfterValidator(_weights)] = {1: 1}
    duration_days: PositiveSpread = (1, 4, 12)
    haematological_grade4_duration_days: PositiveSpread = (3, 6, 12)
    missed_check_probability: Probability = 0.03
    sae_acknowledgement_hours: PositiveSpread = (2, 8, 30)


class ResponseParameters(_Section):
    week8: Annotated[dict[ResponseName, Probability], AfterValidator(_distribution)] = {"SD": 1.0}
    scan_days_from_due: Annotated[Spread, AfterValidator(lambda s: _within(s, -6, 6, "scan_days_from_due"))] = (
        -4,
        0,
        5,
    )
    confirmation_days_after_due: Annotated[
        PositiveSpread, AfterValidator(lambda s: _within(s, 0, 13, "confirmation_days_after_due"))
    ] = (1, 3, 10)


class CapacityParameters(_Section):
    """What the site and the manufacturing lab can take: drawn as lines on the capacity plot.
    `manufacturing_slots` (runs started per week) is enforced by the simulated scheduling service;
    clinic bookings are all accepted, so demand above their lines shows a shortfall."""

    manufacturing_slots: int = Field(default=6, ge=1, le=1000)
    infusion_chairs_per_week: int = Field(default=4, ge=1, le=1000)
    ct_scans_per_week: int = Field(default=5, ge=1, le=1000)


class CustodyParameters(_Section):
    """A bag's shipment to the site leaving its temperature range, and quality's decision on it."""

    shipment_excursion_probability: Probability = 0.0
    discard_probability: Probability = 0.5


class SimulationParameters(_Section):
    seed: int = 20260101
    participants: int = Field(default=32, ge=1, le=500)
    start_date: date
    recruitment_weeks: float = Field(default=52, gt=0, le=520)
    site: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")] = "TEH-01"
    consent: ConsentParameters = ConsentParameters()
    screening: ScreeningParameters = ScreeningParameters()
    baseline: BaselineParameters = BaselineParameters()
    biopsy: BiopsyParameters = BiopsyParameters()
    manufacturing: ManufacturingParameters
    infusion: InfusionParameters = InfusionParameters()
    toxicity: ToxicityParameters = ToxicityParameters()
    response: ResponseParameters = ResponseParameters()
    capacity: CapacityParameters = CapacityParameters()
    custody: CustodyParameters = CustodyParameters()
    progression_hazard_per_month: dict[Literal["CR", "PR", "SD"], Annotated[float, Field(ge=0, le=10)]]
    death_hazard_per_month: float = Field(default=0.008, ge=0, le=10)
    withdrawal_probability: Probability = 0.06
    withdrawal_within_months: float = Field(default=24, gt=0)
    missed_follow_up_scan_probability: Probability = 0.05
    off_study_days_after_pause: float = Field(default=7, ge=0)

    @model_validator(mode="after")
    def _hazard_for_every_response(self) -> SimulationParameters:
        missing = [r for r in ("CR", "PR", "SD") if r not in self.progression_hazard_per_month]
        if missing:
            raise ValueError("progression_hazard_per_month needs " + ", ".join(missing))
        return self


def parse_parameters(data: object, source: str) -> SimulationParameters:
    if not isinstance(data, dict):
        raise InvalidInput(f"Invalid simulation parameters {source}: expected a mapping of names to values")
    try:
        return SimulationParameters.model_validate(data)
    except ValidationError as error:
        lines = validation_lines(error)
        raise InvalidInput(f"Invalid simulation parameters {source}: {len(lines)} problem(s)", lines=lines) from None


def load_parameters(path: Path | None = None) -> SimulationParameters:
    """Read a parameters file (YAML, or JSON by its .json suffix); every problem is one readable line."""
    path = path or DEFAULT_PARAMETERS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"Cannot read simulation parameters {path}: no such file") from None
    except IsADirectoryError:
        raise InvalidInput(f"Cannot read simulation parameters {path}: it is a directory") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"Cannot read simulation parameters {path}: {error}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"Cannot read simulation parameters {path}: not valid JSON (line {error.lineno}: {error.msg})"
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise InvalidInput(f"Cannot read simulation parameters {path}: not valid YAML{where}") from None
    return parse_parameters(data, str(path))
