"""Which command-line flag gave an input field, so a refusal names what the person typed:
`reason: reason contains a control character (U+0007); remove it (given as --reason)`."""

from __future__ import annotations

from collections.abc import Iterable

from itc.base.errors import InvalidInput

SHARED_FLAGS = {
    "actor_id": "--actor",
    "role": "--role",
    "reason": "--reason",
    "request_id": "--request-id",
    "corrects_sequence": "--corrects",
}
# Fields whose flag is not simply the field's name with dashes.
RENAMED_FLAGS = {
    "results": "--result",
    "target_lesions": "--lesion",
    "release_qc": "--qc",
    "infusion_number": "--number",
    "cells_administered": "--cells",
    "progressed_on_chemo_or_radiotherapy": "--progressed",
    "metastasis_measurable": "--measurable",
    "active_uncontrolled_infection": "--active-infection",
    "other_unrelated_cancer": "--other-cancer",
    "unequivocal_non_target_progression": "--non-target-progression",
    "succeeded": "--succeeded",
    "er_status": "--er",
    "pr_status": "--pr",
    "her2_status": "--her2",
}


def flag_for(field: str) -> str:
    return SHARED_FLAGS.get(field) or RENAMED_FLAGS.get(field) or "--" + field.replace("_", "-")


def name_flags(error: InvalidInput, from_flags: Iterable[str]) -> InvalidInput:
    """The same refusal, each problem in a field that came from a flag naming that flag
    (fields read from a --json file are left as they are: the file names them)."""
    given = set(from_flags)
    lines = []
    for line in error.lines:
        location, separator, _ = line.partition(": ")
        # A check across fields has no location; its message starts with the field it blames.
        field = location.split(".")[0] if separator else line.split(" ", 1)[0]
        lines.append(f"{line} (given as {flag_for(field)})" if field in given else line)
    return InvalidInput(error.message, lines=lines)
