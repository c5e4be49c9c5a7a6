"""A refusal names the flag the person typed: every field a `itc record` or `itc start` flag
sets maps to a flag that command really has, so the hint never names a flag that is not there."""

from __future__ import annotations

import inspect

import typer

from itc.actions import STAFF_ACTIONS
from itc.base.errors import InvalidInput
from itc.cli.flag_names import SHARED_FLAGS, flag_for, name_flags
from itc.cli.main import app
from itc.cli.record import FLAGS

COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]


def _options(command: object) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}  # type: ignore[attr-defined]


def test_every_record_flag_field_names_a_flag_its_command_has() -> None:
    record = COMMANDS["record"].commands
    for spec in STAFF_ACTIONS:
        options = _options(record[spec.action.value])
        own = FLAGS.get(spec.action)
        fields = list(own.fields()) if own else []
        shared = [field for field in SHARED_FLAGS if field != "corrects_sequence" or (own and own.corrects)]
        missing = {field: flag_for(field) for field in [*fields, *shared] if flag_for(field) not in options}
        assert not missing, (spec.action.value, missing)


def test_every_start_flag_field_names_a_flag_start_has() -> None:
    from itc.cli.start import start

    options = _options(COMMANDS["start"])
    fields = [name for name in inspect.signature(start).parameters if name != "consent_file"]
    missing = {field: flag_for(field) for field in fields if flag_for(field) not in options}
    assert not missing


def test_only_fields_given_by_flags_are_annotated() -> None:
    error = InvalidInput(
        "Invalid input: 3 problem(s)",
        lines=[
            "reason: reason contains a control character (U+0007); remove it",
            "results.0.value: Input should be a finite number",
            "sample_id: String should match pattern",
            "date_of_birth 1850-01-01 gives an age of 176 at consent",
        ],
    )
    named = name_flags(error, {"reason": "x", "results": [], "date_of_birth": "1850-01-01"})
    assert named.lines == [
        "reason: reason contains a control character (U+0007); remove it (given as --reason)",
        "results.0.value: Input should be a finite number (given as --result)",
        "sample_id: String should match pattern",
        "date_of_birth 1850-01-01 gives an age of 176 at consent (given as --date-of-birth)",
    ]
    assert named.message == error.message
