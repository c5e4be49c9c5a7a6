"""The one mapping from the engine's identifiers to the words staff read on the dashboard.

Event types ("LabResultsRecorded"), Update names ("record_manufacturing_milestone"),
action and enum values ("fibroblasts_expanded", "spo2") and payload keys
("metastasis_count") are the engine's vocabulary; pages and CSV exports show each of
them through this module only, so a new action or event type reads well everywhere
once it is in the registry or the enums.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import Enum

from itc.api.action_words import ACTION_LABELS, UPDATE_LABELS
from itc.api.forms import LAB_NAMES
from itc.models.enums import (
    AeCategory,
    Attribution,
    DecisionKind,
    EventType,
    MetastasisSite,
    Milestone,
    ReceptorStatus,
    SaeClockKind,
    ScanKind,
    Stage,
)
from itc.models.roles import Action, Role
from itc.rules.lab_catalogue import LabCode

DASH = "—"

# Abbreviations staff write in capitals; a generated label keeps them that way.
ACRONYMS = {"dlt": "DLT", "sae": "SAE", "susar": "SUSAR", "pfs": "PFS", "qc": "QC", "ipsc": "iPSC", "nk": "NK",
            "ct": "CT", "ae": "AE", "ecg": "ECG", "elisa": "ELISA", "id": "ID", "uln": "ULN", "lln": "LLN",
            "ctcae": "CTCAE", "recist": "RECIST", "bsa": "BSA", "icf": "ICF", "her2": "HER2", "er": "ER",
            "pr": "PR"}  # fmt: skip


def words(identifier: str) -> str:
    """'response_assessment' or 'ResponseAssessed' -> 'Response assessment' / 'Response assessed'."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", identifier).replace("_", " ").replace("-", " ")
    parts = [ACRONYMS.get(part.lower(), part.lower()) for part in spaced.split()]
    if not parts:
        return DASH
    first = parts[0]
    parts[0] = first if first.isupper() or first in ACRONYMS.values() else first[:1].upper() + first[1:]
    return " ".join(parts)


LAB_LABELS: Mapping[str, str] = {str(code): name for code, name in LAB_NAMES.items()}

# The lab's and the protocol's own words, which `words` cannot guess.
SPECIAL: Mapping[str, str] = {
    **LAB_LABELS,
    Milestone.BIOPSY_RECEIVED: "Biopsy received",
    Milestone.FIBROBLASTS_EXPANDED: "Fibroblasts expanded",
    Milestone.IPSC_LINE_ESTABLISHED: "iPSC line established",
    Milestone.IPSC_QC_PASSED: "iPSC QC passed",
    Milestone.NK_DIFFERENTIATION_COMPLETE: "NK differentiation complete",
    Milestone.PRODUCT_RELEASE_QC: "Product release QC",
    SaeClockKind.SPONSOR: "Sponsor report (24 h)",
    SaeClockKind.SUSAR_FATAL_OR_LIFE_THREATENING: "SUSAR report, fatal or life-threatening (7 days)",
    SaeClockKind.SUSAR_OTHER: "SUSAR report (15 days)",
    EventType.DLT_DETECTED: "DLT detected",
    EventType.PFS_DETERMINED: "PFS determined",
}

# Payload and form keys whose generated label would not say what they hold.
FIELD_LABELS: Mapping[str, str] = {
    "metastasis_count": "Number of metastases",
    "upper_limit_normal": "Upper limit of normal",
    "lower_limit_normal": "Lower limit of normal",
    "ctcae_grades": "CTCAE grades",
    "sum_mm": "Sum of diameters (mm)",
    "diameter_mm": "Diameter (mm)",
    "height_cm": "Height (cm)",
    "weight_kg": "Weight (kg)",
    "cells_administered": "Cells administered",
    "corrects_sequence": "Corrects event #",
    "actor_id": "Staff ID",
    "progressed_on_chemo_or_radiotherapy": "Progressed on chemotherapy or radiotherapy",
}


def _vocabulary() -> dict[str, str]:
    """Every identifier the engine shows staff, by its raw value."""
    vocabulary: dict[str, str] = {}
    enums: Iterable[type[Enum]] = (Stage, Milestone, LabCode, SaeClockKind, ScanKind, AeCategory, Attribution,
                                   DecisionKind, MetastasisSite, ReceptorStatus, EventType, Role)  # fmt: skip
    for enum in enums:
        for member in enum:
            vocabulary[str(member.value)] = words(str(member.value))
    vocabulary.update({action.value: label for action, label in ACTION_LABELS.items()})
    vocabulary.update(UPDATE_LABELS)
    vocabulary.update({str(key): value for key, value in SPECIAL.items()})
    return vocabulary


VOCABULARY: Mapping[str, str] = _vocabulary()


def human(value: object) -> str:
    """The label of any engine identifier (an enum member, an event type, an Update or action name)."""
    if value is None or value == "":
        return DASH
    raw = str(getattr(value, "value", value))
    return VOCABULARY.get(raw) or FIELD_LABELS.get(raw) or words(raw)


def event_label(event_type: object) -> str:
    return human(event_type)


def action_label(action: Action | str) -> str:
    return human(action)


def field_label(key: str) -> str:
    return FIELD_LABELS.get(key) or words(key)


# Only whole identifiers the engine knows are replaced; anything else (a sample ID, a term typed
# by staff) is left exactly as it was written.
_TOKEN = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*\b")
_IN_TEXT: Mapping[str, str] = {
    key: value for key, value in VOCABULARY.items() if "_" in key or key in LAB_LABELS or key in SPECIAL
}


def readable(text: str | None) -> str:
    """A journey's summary line with its identifiers in words: 'Lab results: creatinine, spo2'
    -> 'Lab results: Creatinine, SpO₂'."""
    if not text:
        return DASH
    return _TOKEN.sub(lambda match: _IN_TEXT.get(match.group(0), match.group(0)), text)
