"""When the next infusion must wait: an unresolved non-haematological toxicity at or above the threshold."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from itc.rules.lab_catalogue import NON_HAEMATOLOGICAL_LABS, LabCode


@dataclass(frozen=True)
class OpenToxicity:
    """An adverse event not yet resolved, as far as a hold is concerned."""

    ae_id: str
    term: str
    grade: int
    haematological: bool


def hold_reason(
    open_toxicities: Iterable[OpenToxicity], latest_lab_grades: Mapping[LabCode, int], threshold: int
) -> str | None:
    """Why the next infusion must wait, or None. Haematological toxicity never holds: it counts towards a DLT."""
    for toxicity in open_toxicities:
        if not toxicity.haematological and toxicity.grade >= threshold:
            return f"unresolved grade {toxicity.grade} {toxicity.term} ({toxicity.ae_id})"
    for code in NON_HAEMATOLOGICAL_LABS:
        grade = latest_lab_grades.get(code, 0)
        if grade >= threshold:
            return f"grade {grade} {code.value} in the latest result"
    return None
