"""Every input model's text is checked and every float is finite: walked from the registry and
the consent, so a new field or a new action cannot forget either."""

from __future__ import annotations

import types
import typing
from datetime import date
from enum import Enum
from typing import Any, Union

import pytest
from pydantic import BaseModel, ValidationError

from itc.actions.registry import ENTRIES
from itc.models.inputs import (
    ConsentRecord,
    LabObservation,
    RecordBiopsyCollectedInput,
    RecordLabResultsInput,
    RecordRefusedActionInput,
    RecordSupervisorDecisionInput,
)
from itc.models.text import TextHygiene, escape_controls
from itc.rules.lab_catalogue import LAB_SPECS

ROOT_MODELS: list[type[BaseModel]] = [
    *(entry.input_model for entry in ENTRIES if entry.input_model is not None),
    ConsentRecord,
    RecordRefusedActionInput,
]


def _reachable(roots: list[type[BaseModel]]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []
    pending = list(roots)
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.append(model)
        for annotation in typing.get_type_hints(model, include_extras=True).values():
            pending.extend(_models_in(annotation))
    return seen


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]


def _unchecked_strings(annotation: Any, where: str) -> list[str]:
    """Every place in an annotation where a plain `str` is accepted without the text check."""
    if typing.get_origin(annotation) is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        if base is str:
            checked = any(isinstance(getattr(item, "func", None), TextHygiene) for item in metadata)
            return [] if checked else [where]
        return _unchecked_strings(base, where)
    if annotation is str:
        return [where]
    if isinstance(annotation, type) and issubclass(annotation, (Enum, BaseModel)):
        return []  # enums are closed sets; models are walked on their own
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType, list, tuple, set, frozenset, dict, typing.Literal):
        if origin is typing.Literal:
            return []
        return [problem for arg in typing.get_args(annotation) for problem in _unchecked_strings(arg, where)]
    return []


def _has_float(annotation: Any) -> bool:
    if typing.get_origin(annotation) is typing.Annotated:
        return _has_float(typing.get_args(annotation)[0])
    if annotation is float:
        return True
    return any(_has_float(arg) for arg in typing.get_args(annotation))


MODELS = _reachable(ROOT_MODELS)


def test_the_walk_reaches_nested_models() -> None:
    names = {model.__name__ for model in MODELS}
    assert {"LabObservation", "TargetLesion", "ReleaseQcResult", "CrsFindings", "ResumeTrialInput"} <= names


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_string_field_is_checked_text(model: type[BaseModel]) -> None:
    hints = typing.get_type_hints(model, include_extras=True)
    unchecked = [
        problem
        for name in model.model_fields
        for problem in _unchecked_strings(hints[name], f"{model.__name__}.{name}")
    ]
    assert not unchecked, f"use SingleLineText, MultiLineText or a checked identifier type for: {unchecked}"


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_floats_refuse_nan_and_infinity(model: type[BaseModel]) -> None:
    hints = typing.get_type_hints(model, include_extras=True)
    if any(_has_float(hints[name]) for name in model.model_fields):
        assert model.model_config.get("allow_inf_nan") is False, model.__name__


# One of each class the check refuses, as (label, character).
FORBIDDEN = [
    ("NUL", "\x00"),
    ("BEL", "\x07"),
    ("CR", "\r"),
    ("ESC", "\x1b"),
    ("unit separator", "\x1f"),
    ("DEL", "\x7f"),
    ("C1 NEL", "\x85"),
    ("C1 CSI", "\x9b"),
    ("right-to-left override", "\u202e"),
    ("left-to-right embedding", "\u202a"),
    ("right-to-left isolate", "\u2067"),
    ("pop directional isolate", "\u2069"),
    ("left-to-right mark", "\u200e"),
    ("right-to-left mark", "\u200f"),
    ("Arabic letter mark", "\u061c"),
]

DECISION = {"actor_id": "sup.a", "decision": "off_study", "reason": "patient request"}
BIOPSY = {"actor_id": "nurse.a", "sample_id": "SKN-1", "collected_at": "2026-01-06T09:00:00Z"}


def _refusal(model: type[BaseModel], data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(data)
    return str(refused.value)


@pytest.mark.parametrize(("label", "char"), FORBIDDEN, ids=[label for label, _ in FORBIDDEN])
def test_each_control_class_is_refused_naming_field_and_code_point(label: str, char: str) -> None:
    message = _refusal(RecordSupervisorDecisionInput, {**DECISION, "reason": f"patient{char} request"})
    assert "reason contains" in message and f"(U+{ord(char):04X}); remove it" in message, label


@pytest.mark.parametrize(("label", "char"), FORBIDDEN, ids=[label for label, _ in FORBIDDEN])
def test_identifiers_name_the_character_not_only_the_pattern(label: str, char: str) -> None:
    message = _refusal(RecordBiopsyCollectedInput, {**BIOPSY, "sample_id": f"SKN{char}-1"})
    assert "sample_id contains" in message and f"(U+{ord(char):04X})" in message, label


@pytest.mark.parametrize("char", ["\x00", "\n", "\t", "\u202e"])
def test_a_control_character_at_either_end_is_refused_not_stripped(char: str) -> None:
    message = _refusal(RecordBiopsyCollectedInput, {**BIOPSY, "actor_id": f"nurse.a{char}"})
    assert "actor_id contains a" in message and f"(U+{ord(char):04X})" in message


def test_a_multi_line_reason_keeps_newline_and_tab_and_reads_crlf_as_newline() -> None:
    decision = RecordSupervisorDecisionInput.model_validate({**DECISION, "reason": "line one\r\n\tline two"})
    assert decision.reason == "line one\n\tline two"


def test_a_lone_cr_in_a_multi_line_reason_is_refused() -> None:
    assert "reason contains a control character (U+000D)" in _refusal(
        RecordSupervisorDecisionInput, {**DECISION, "reason": "line one\rline two"}
    )


@pytest.mark.parametrize("limit", [float("inf"), float("-inf"), float("nan"), "Infinity", "NaN"])
def test_a_limit_is_finite(limit: Any) -> None:
    message = _refusal(LabObservation, _alt(upper_limit_normal=limit))
    assert "upper_limit_normal" in message and "finite number" in message


def test_an_absurd_limit_is_refused_as_outside_the_possible_range() -> None:
    message = _refusal(LabObservation, _alt(upper_limit_normal=1e308))
    assert "upper_limit_normal 1e+308 U/L for alt is outside the possible reference limits 0-200 U/L" in message


def test_every_numeric_lab_has_a_limit_range_that_holds_the_protocol_defaults() -> None:
    for code, spec in LAB_SPECS.items():
        assert (spec.limit_range is not None) == spec.numeric, code
    assert LabObservation.model_validate(_alt(upper_limit_normal=40)).upper_limit_normal == 40


def test_a_limit_on_a_non_numeric_assessment_is_refused() -> None:
    ecg = {"code": "ecg", "interpretation": "normal", "upper_limit_normal": 5, "collected_at": "2026-01-06T09:00:00Z"}
    assert "upper_limit_normal: ecg is not a number, so it has no reference limit" in _refusal(LabObservation, ecg)


def test_lower_limit_below_upper() -> None:
    message = _refusal(LabObservation, _alt(upper_limit_normal=40, lower_limit_normal=50))
    assert "lower_limit_normal 50.0 must be below upper_limit_normal 40.0" in message


def test_nan_is_refused_in_a_lab_value_too() -> None:
    observation = {**_alt(), "value": float("nan")}
    assert "value" in _refusal(LabObservation, observation)
    labs = {"actor_id": "nurse.a", "results": [observation]}
    assert "results.0.value" in _refusal(RecordLabResultsInput, labs)


def _alt(**limits: Any) -> dict[str, Any]:
    return {"code": "alt", "value": 30, "collected_at": "2026-01-06T09:00:00Z", **limits}


CONSENT = {
    "participant_id": "ITC-007",
    "consent_date": "2026-01-05",
    "consent_form_version": "v2.1",
    "date_of_birth": "1971-06-30",
    "sex": "female",
    "height_cm": 165,
    "weight_kg": 62,
    "er_status": "positive",
    "pr_status": "positive",
    "her2_status": "negative",
    "site": "site-01",
    "actor_id": "nurse.a",
}


def test_consent_before_the_trial_was_registered_is_refused() -> None:
    message = _refusal(ConsentRecord, {**CONSENT, "consent_date": "1900-03-01", "date_of_birth": "1850-01-01"})
    assert "consent_date 1900-03-01 is before the trial was registered (2020)" in message


def test_an_impossible_age_at_consent_is_refused() -> None:
    message = _refusal(ConsentRecord, {**CONSENT, "date_of_birth": "1850-01-01"})
    assert "date_of_birth 1850-01-01 gives an age of 176 at consent, outside the possible 0-120 years" in message


def test_ages_the_protocol_screens_out_are_still_accepted_at_entry() -> None:
    # 19 and 71 are screen failures (the eligibility rule decides), not typing errors.
    for born in ("2006-06-30", "1954-06-30"):
        assert ConsentRecord.model_validate({**CONSENT, "date_of_birth": born}).date_of_birth == date.fromisoformat(
            born
        )


@pytest.mark.parametrize("text", ["\x07bell", "cr\rhere", "\u202eevil", "nul\x00", "csi\x9b31m", "multi\nline"])
def test_escape_controls_shows_every_refused_character_as_an_escape(text: str) -> None:
    shown = escape_controls(text)
    assert shown.isprintable() and "\\" in shown


def test_escape_controls_leaves_clean_text_alone() -> None:
    assert escape_controls("Patientin möchte aufhören — 患者") == "Patientin möchte aufhören — 患者"
