"""Dashboard form fields -> the same input dicts the JSON API takes.

Only reshaping happens here (which boxes were filled, checkboxes to booleans, a UTC time
from a datetime-local box). Every rule is left to the input models and the journey's
validators, so a form can never accept what the API would refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from itc.api.finding_choices import chosen
from itc.models.roles import Action
from itc.rules.lab_catalogue import LAB_SPECS, LabCode

Values = Mapping[str, str]

# Which reference limit the grading needs, per lab: ALT/AST/creatinine grade against the
# upper limit, the blood counts against the lower one.
LAB_LIMITS: dict[LabCode, str] = {
    LabCode.CREATININE: "upper_limit_normal",
    LabCode.ALT: "upper_limit_normal",
    LabCode.AST: "upper_limit_normal",
    LabCode.NEUTROPHILS: "lower_limit_normal",
    LabCode.PLATELETS: "lower_limit_normal",
}
LAB_NAMES: dict[LabCode, str] = {
    LabCode.CREATININE: "Creatinine",
    LabCode.ALT: "ALT",
    LabCode.AST: "AST",
    LabCode.SPO2: "SpO₂",
    LabCode.NEUTROPHILS: "Neutrophils",
    LabCode.PLATELETS: "Platelets",
    LabCode.CA15_3: "CA 15-3",
    LabCode.CEA: "CEA",
    LabCode.FLOW_CYTOMETRY_PANEL: "Flow cytometry panel",
    LabCode.ELISA_CYTOKINES: "ELISA cytokines",
    LabCode.ECG: "ECG",
    LabCode.PHYSICAL_EXAM: "Physical examination",
    LabCode.VITAL_SIGNS: "Vital signs",
}
LESION_ROWS = 5


@dataclass
class FormInput:
    data: dict[str, Any]
    # "results.0" -> "Creatinine": error lines name the box a person filled, not a list index.
    names: dict[str, str] = field(default_factory=dict)

    def readable(self, lines: list[str]) -> list[str]:
        out = []
        for line in lines:
            for prefix, name in sorted(self.names.items(), key=lambda item: -len(item[0])):
                if line.startswith((prefix + ".", prefix + ":")):
                    rest = line[len(prefix) :].lstrip(".")
                    line = f"{name} {rest}" if not rest.startswith(":") else f"{name}{rest}"
                    break
            out.append(line)
        return out


def text(values: Values, name: str) -> str | None:
    value = (values.get(name) or "").strip()
    return value or None


def flag(values: Values, name: str) -> bool:
    return name in values


def yes_no(values: Values, name: str) -> bool | None:
    """A required Yes/No radio group: unanswered stays missing, so the model says so."""
    return {"yes": True, "no": False}.get(values.get(name, ""))


def utc_time(values: Values, name: str) -> str | None:
    """The boxes are labelled UTC and take "YYYY-MM-DD HH:MM" (or ISO's "T"); that carries no
    zone, so add it."""
    value = text(values, name)
    if value is not None and len(value) == 16 and value[10] in "T ":
        return value[:10] + "T" + value[11:] + ":00Z"
    return value


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


Reader = Callable[[Values], FormInput]
# The form reader of each staff action that has a dashboard form (its template is
# templates/forms/<action>.html); filled in by @reads below.
READERS: dict[Action, Reader] = {}


def reads(action: Action) -> Callable[[Reader], Reader]:
    def register(reader: Reader) -> Reader:
        READERS[action] = reader
        return reader

    return register


def _staff(values: Values, actor_id: str) -> dict[str, Any]:
    return _drop_none(
        {"actor_id": actor_id, "reason": text(values, "reason"), "request_id": text(values, "request_id")}
    )


@reads(Action.LAB_RESULTS)
def lab_results(values: Values) -> FormInput:
    collected_at = utc_time(values, "collected_at")
    results: list[dict[str, Any]] = []
    names: dict[str, str] = {}
    for code in LabCode:
        entered = text(values, f"lab.{code.value}")
        if entered is None:
            continue
        observation: dict[str, Any] = {"code": code.value, "collected_at": collected_at}
        if LAB_SPECS[code].numeric:
            observation["value"] = entered
            limit = text(values, f"lab.{code.value}.limit")
            if limit is not None and code in LAB_LIMITS:
                observation[LAB_LIMITS[code]] = limit
        else:
            observation["interpretation"] = entered
        names[f"results.{len(results)}"] = LAB_NAMES[code]
        results.append(_drop_none(observation))
    return FormInput({"results": results}, names)


@reads(Action.ELIGIBILITY)
def eligibility(values: Values) -> FormInput:
    return FormInput(
        _drop_none(
            {
                "advanced_breast_cancer": yes_no(values, "advanced_breast_cancer"),
                "progressed_on_chemo_or_radiotherapy": yes_no(values, "progressed_on_chemo_or_radiotherapy"),
                "metastasis_count": text(values, "metastasis_count"),
                "metastasis_site": text(values, "metastasis_site"),
                "metastasis_measurable": yes_no(values, "metastasis_measurable"),
                "active_uncontrolled_infection": yes_no(values, "active_uncontrolled_infection"),
                "other_unrelated_cancer": yes_no(values, "other_unrelated_cancer"),
                "assessed_at": utc_time(values, "assessed_at"),
            }
        )
    )


@reads(Action.SCAN)
def scan(values: Values) -> FormInput:
    lesions: list[dict[str, Any]] = []
    names: dict[str, str] = {}
    for row in range(1, LESION_ROWS + 1):
        lesion_id = text(values, f"lesion.{row}.id")
        organ = text(values, f"lesion.{row}.organ")
        diameter = text(values, f"lesion.{row}.mm")
        if lesion_id is None and organ is None and diameter is None:
            continue
        names[f"target_lesions.{len(lesions)}"] = f"Lesion row {row}"
        lesions.append(
            _drop_none(
                {
                    "lesion_id": lesion_id,
                    "organ": organ,
                    "diameter_mm": diameter,
                    "is_lymph_node": flag(values, f"lesion.{row}.node"),
                }
            )
        )
    return FormInput(
        _drop_none(
            {
                "kind": text(values, "kind"),
                "scanned_at": utc_time(values, "scanned_at"),
                "target_lesions": lesions,
                "new_lesions": flag(values, "new_lesions"),
                "unequivocal_non_target_progression": flag(values, "unequivocal_non_target_progression"),
                "non_target_status": text(values, "non_target_status"),
            }
        ),
        names,
    )


@reads(Action.BIOPSY)
def biopsy(values: Values) -> FormInput:
    return FormInput(
        _drop_none({"sample_id": text(values, "sample_id"), "collected_at": utc_time(values, "collected_at")})
    )


RELEASE_QC_NUMBERS = (
    "endotoxin_eu_per_ml",
    "viability_percent",
    "cd56_cd3neg_purity_percent",
    "viable_cells_total",
    "dose_volume_ml",
)


@reads(Action.MILESTONE)
def milestone(values: Values) -> FormInput:
    succeeded = values.get("outcome", "succeeded") != "failed"
    data: dict[str, Any] = {
        "milestone": text(values, "milestone"),
        "sample_id": text(values, "sample_id"),
        "occurred_at": utc_time(values, "occurred_at"),
        "succeeded": succeeded,
        "failure_code": None if succeeded else text(values, "failure_code"),
    }
    if succeeded and data["milestone"] == "product_release_qc":
        data["release_qc"] = _drop_none(
            {
                "sterility_negative": flag(values, "sterility_negative"),
                "mycoplasma_negative": flag(values, "mycoplasma_negative"),
                **{name: text(values, name) for name in RELEASE_QC_NUMBERS},
            }
        )
    return FormInput(_drop_none(data), {"release_qc": "Release QC"})


@reads(Action.INFUSION)
def infusion(values: Values) -> FormInput:
    return FormInput(
        _drop_none(
            {
                "infusion_number": text(values, "infusion_number"),
                "administered_at": utc_time(values, "administered_at"),
                "cells_administered": text(values, "cells_administered"),
                "product_sample_id": text(values, "product_sample_id"),
            }
        )
    )


def _findings(values: Values, group: str, *, texts: tuple[str, ...], flags: tuple[str, ...]) -> dict[str, Any]:
    """One group of boxes named "<group>.<field>": typed values and checkboxes."""
    found: dict[str, Any] = {name: text(values, f"{group}.{name}") for name in texts}
    found.update({name: flag(values, f"{group}.{name}") for name in flags})
    return _drop_none(found)


@reads(Action.ADVERSE_EVENT)
def adverse_event(values: Values) -> FormInput:
    category = text(values, "category")
    data: dict[str, Any] = {
        "ae_id": text(values, "ae_id"),
        "term": text(values, "term"),
        "category": category,
        "grade": text(values, "grade") if category in (None, "haematological", "non_haematological") else None,
        "attribution": text(values, "attribution"),
        "serious": flag(values, "serious"),
        "unexpected": flag(values, "unexpected"),
        "onset_at": utc_time(values, "onset_at"),
        "resolved_at": utc_time(values, "resolved_at"),
        "seriousness_known_at": utc_time(values, "seriousness_known_at"),
    }
    if category == "crs":
        crs = _findings(
            values,
            "crs",
            texts=("temperature_c", "oxygen_device", "oxygen_l_per_min"),
            flags=("hypotension",),
        )
        data["crs"] = crs | {
            "fever_masked_by": chosen(values, "crs.fever_masked_by"),
            "vasopressor_kinds": chosen(values, "crs.vasopressor_kinds"),
        }
    if category == "icans":
        data["icans"] = _findings(
            values,
            "icans",
            texts=("ice_score", "consciousness", "seizure", "motor_findings", "raised_intracranial_pressure"),
            flags=(),
        )
    return FormInput(_drop_none(data), {"crs": "CRS findings", "icans": "ICANS findings"})


@reads(Action.NEW_THERAPY)
def new_therapy(values: Values) -> FormInput:
    return FormInput(_drop_none({"therapy": text(values, "therapy"), "started_at": utc_time(values, "started_at")}))


@reads(Action.WITHDRAWAL)
def withdrawal(values: Values) -> FormInput:
    return FormInput(_drop_none({"withdrawn_at": utc_time(values, "withdrawn_at")}))


@reads(Action.DEATH)
def death(values: Values) -> FormInput:
    return FormInput(_drop_none({"died_at": utc_time(values, "died_at"), "attribution": text(values, "attribution")}))


@reads(Action.DECISION)
def decision(values: Values) -> FormInput:
    return FormInput(_drop_none({"decision": text(values, "decision"), "ae_id": text(values, "ae_id")}))


# Scan fields are plain text boxes: a barcode scanner types the label and presses Enter, which submits the form.
@reads(Action.CUSTODY)
def custody(values: Values) -> FormInput:
    seal = values.get("seal")
    data = {
        "handoff": text(values, "handoff"),
        "unit_id": text(values, "unit_id"),
        "participant_scan": text(values, "participant_scan"),
        "occurred_at": utc_time(values, "occurred_at"),
        "location": text(values, "location"),
        "courier": text(values, "courier"),
        "shipper_id": text(values, "shipper_id"),
        "logger_id": text(values, "logger_id"),
        "seal_intact": {"intact": True, "broken": False}.get(seal or ""),
        "min_temperature_c": text(values, "min_temperature_c"),
        "max_temperature_c": text(values, "max_temperature_c"),
        "minutes_out_of_range": text(values, "minutes_out_of_range"),
    }
    return FormInput(_drop_none(data))


@reads(Action.QUALITY_DECISION)
def quality_decision(values: Values) -> FormInput:
    return FormInput(_drop_none({"unit_id": text(values, "unit_id"), "decision": text(values, "decision")}))


@reads(Action.BEDSIDE)
def bedside(values: Values) -> FormInput:
    data = {
        "infusion_number": text(values, "infusion_number"),
        "unit_id": text(values, "unit_id"),
        "wristband_id": text(values, "wristband_id"),
        "date_of_birth": text(values, "date_of_birth"),
        "verified_at": utc_time(values, "verified_at"),
    }
    return FormInput(_drop_none(data))


def record_input(action: Action, values: Values, actor_id: str) -> FormInput:
    form = READERS[action](values)
    form.data.update(_staff(values, actor_id))
    return form


CONSENT_FIELDS = (
    "participant_id",
    "consent_date",
    "consent_form_version",
    "date_of_birth",
    "sex",
    "height_cm",
    "weight_kg",
    "er_status",
    "pr_status",
    "her2_status",
    "site",
)


def consent(values: Values, actor_id: str) -> FormInput:
    data = _drop_none({name: text(values, name) for name in CONSENT_FIELDS})
    data["actor_id"] = actor_id
    return FormInput(data)
