"""Which command-line flag gave an input field, so a refusal names what the person typed:
`reason: reason contains a control character (U+0007); remove it (given as --reason)`."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any, get_args

from typer.models import OptionInfo

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


# How to fix a nested field that is missing from an item given by a repeatable flag.
NESTED_HINTS = {
    ("results", "collected_at"): "add --collected-at TIME for every result, or :at=TIME to this one",
}
REQUIRED = "Field required"


def name_flags(
    error: InvalidInput,
    from_flags: Mapping[str, Any] | Iterable[str],
    how_to_give: Mapping[str, str] | None = None,
    from_file: bool = False,
) -> InvalidInput:
    """The same refusal, each problem in a field that came from a flag naming that flag
    (fields read from a --json file are left as they are: the file names them). A required
    field nobody gave is named by its flag, with what to type (`how_to_give`, from the
    command's options: flag -> "--actor STAFF-ID")."""
    given = from_flags if isinstance(from_flags, Mapping) else dict.fromkeys(from_flags)
    hints = how_to_give or {}
    lines = []
    for line in error.lines:
        location, separator, message = line.partition(": ")
        # A check across fields has no location; its message starts with the field it blames.
        parts = location.split(".") if separator else [line.split(" ", 1)[0]]
        field = parts[0]
        flag = flag_for(field)
        if field in given:
            lines.append(_given(line, parts, message, flag, given[field]))
        elif separator and len(parts) == 1 and message == REQUIRED and flag in hints:
            how = hints[flag]
            # From a file, the file's own name for the field leads: that is where it is missing.
            lines.append(
                f"{line}; add {field!r} to the file or give {how}" if from_file else f"{flag}: missing; add {how}"
            )
        else:
            lines.append(line)
    return InvalidInput(error.message, lines=lines)


def _given(line: str, parts: list[str], message: str, flag: str, value: Any) -> str:
    """'results.0.collected_at: Field required (given as --result) for creatinine (#1); add ...'."""
    if len(parts) < 3 or not parts[1].isdigit() or not isinstance(value, list) or int(parts[1]) >= len(value):
        return f"{line} (given as {flag})"
    index = int(parts[1])
    item = value[index]
    code = item.get("code") if isinstance(item, dict) else None
    label = f" for {code} (#{index + 1})" if code else f" (#{index + 1})"
    hint = NESTED_HINTS.get((parts[0], parts[-1])) if message == REQUIRED else None
    return f"{line} (given as {flag}){label}" + (f"; {hint}" if hint else "")


def how_to_give(parameters: Iterable[inspect.Parameter]) -> dict[str, str]:
    """What to type for each option of a command, from its typer declarations:
    {"--actor": "--actor STAFF-ID", "--measurable": "--measurable or --not-measurable"}."""
    hints: dict[str, str] = {}
    for parameter in parameters:
        info = next((meta for meta in get_args(parameter.annotation)[1:] if isinstance(meta, OptionInfo)), None)
        if info is None:
            continue
        # Under Annotated, typer takes the first declaration from the default's place.
        first = [info.default] if isinstance(info.default, str) and info.default.startswith("-") else []
        declared: list[str] = [*first, *(info.param_decls or ())]
        longs = [name for declaration in declared for name in declaration.split("/") if name.startswith("--")]
        if not longs:
            longs = ["--" + parameter.name.replace("_", "-")]
        if len(longs) == 2 and "/" in "".join(declared):
            hints[longs[0]] = f"{longs[0]} or {longs[1]}"
        else:
            value = info.metavar or _choices(parameter.annotation) or "VALUE"
            hints.update({name: f"{name} {value}" for name in longs})
    return hints


def _choices(annotation: Any) -> str | None:
    kinds = [kind for kind in get_args(get_args(annotation)[0]) or [get_args(annotation)[0]] if isinstance(kind, type)]
    enum = next((kind for kind in kinds if issubclass(kind, Enum)), None)
    return "|".join(str(member.value) for member in enum) if enum else None
