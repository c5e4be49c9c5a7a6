"""`itc record ...`: one command per staff action in the registry (`itc.actions`).

Each takes --participant, --actor and --role (or ITC_ROLE), then either --json FILE ('-' for stdin) with the whole
input model, or flags for the common fields (flags override the file). The action goes through
the HTTP API as the person signed in with `itc login`; the input is validated locally first, so a
typo never needs a server to be reported.

A command's name, help and input model come from its registry entry; the flags beyond the
shared ones come from the function registered for it with @flags, which turns them into
input fields. An action without one still gets its command, taking --json.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import TypeAdapter, ValidationError

from itc.actions import STAFF_ACTIONS, Action, Role, StaffActionSpec
from itc.base.errors import InvalidInput
from itc.base.json_input import load_json_object, validate_model
from itc.cli import api_client, through_api
from itc.cli.answers import JourneyStatusAnswer
from itc.cli.errors import EXIT_INVALID, fail, fail_with
from itc.cli.flag_names import how_to_give, name_flags
from itc.cli.replies import accepted_line, outcome_lines
from itc.models.enums import (
    AeCategory,
    Attribution,
    DecisionKind,
    Milestone,
    ScanKind,
)
from itc.models.inputs import ActionAccepted, ParticipantId
from itc.rules.recist_overall import NonTargetStatus

app = typer.Typer(help="Record a staff action on a participant's journey.", no_args_is_help=True)
Opt = typer.Option

Participant = Annotated[str, Opt("--participant", "-p", metavar="ID", help="Study ID, e.g. ITC-007.")]
Actor = Annotated[
    str | None,
    Opt(
        "--actor",
        "-a",
        metavar="STAFF-ID",
        help="Your staff ID; default the person signed in (the API refuses another).",
    ),
]
RoleOpt = Annotated[
    Role | None,
    Opt("--role", "-r", envvar="ITC_ROLE", help="The role you act in; the journey refuses actions outside it."),
]
JsonFile = Annotated[
    Path | None, Opt("--json", metavar="FILE", help="The whole input as JSON ('-' for stdin); flags override it.")
]
Reason = Annotated[str | None, Opt("--reason", metavar="TEXT", help="Why; required when correcting.")]
RequestId = Annotated[str | None, Opt("--request-id", metavar="ID", help="Reuse to make a retry apply once.")]
Corrects = Annotated[int | None, Opt("--corrects", metavar="N", help="Sequence number of the event this corrects.")]
When = Annotated[str | None, Opt(metavar="TIME", help="ISO 8601 with time zone, e.g. 2026-01-06T09:00:00Z.")]
SampleId = Annotated[str | None, Opt("--sample-id", metavar="ID", help="The biopsy sample's ID, e.g. BX-007-1.")]
AttributionOpt = Annotated[Attribution | None, Opt("--attribution", help="Relation to the study treatment.")]

_PARTICIPANT = TypeAdapter(ParticipantId)


def _choices(choices: type[Enum]) -> str:
    """A long list of choices goes in the help text, which wraps, rather than the metavar."""
    return ", ".join(str(choice.value) for choice in choices)


def _send(
    spec: StaffActionSpec,
    fields: dict[str, Any],
    participant: str,
    actor: str | None = None,
    role: Role | None = None,
    json_file: Path | None = None,
    reason: str | None = None,
    request_id: str | None = None,
    corrects: int | None = None,
    hints: Mapping[str, str] | None = None,
) -> None:
    # The API and the journey hold the protocol and the role checks; this machine holds only
    # the signed-in person's token.
    signed_in = through_api.signed_in_person()
    actor = actor or signed_in
    try:
        _PARTICIPANT.validate_python(participant)
    except ValidationError:
        fail(f"participant: {participant!r} is not a study ID like ITC-007", code=EXIT_INVALID)
    common = {
        "actor_id": actor,
        "role": role,
        "reason": reason,
        "request_id": request_id,
        "corrects_sequence": corrects,
    }
    from_flags = {key: value for key, value in {**fields, **common}.items() if value is not None}
    try:
        data: dict[str, Any] = load_json_object(json_file, "input file") if json_file else {}
        data.update(from_flags)
        payload = validate_model(spec.input_model, data, "input")
    except InvalidInput as error:
        fail_with(name_flags(error, from_flags, hints, from_file=json_file is not None))
    accepted = ActionAccepted.model_validate(
        api_client.record(participant, spec.action.value, payload.model_dump(mode="json", exclude_none=True))
    )
    typer.echo(accepted_line(accepted))
    # What followed, as the journey stands when asked; the action is recorded either way.
    for line in outcome_lines(accepted, _settled_status(participant)):
        typer.echo(line)


def _settled_status(participant: str) -> JourneyStatusAnswer | None:
    try:
        return JourneyStatusAnswer.model_validate(through_api.journey_status(participant, settled=True))
    except typer.Exit:
        # The action is recorded; failing to describe its consequence must not read as a refusal.
        return None


def _pairs(items: list[str] | None, option: str, example: str) -> dict[str, str] | None:
    """--qc viability_percent=85 style options; pydantic coerces the strings to their types."""
    if not items:
        return None
    result: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(f"{option} {item!r}: expected KEY=VALUE, e.g. {example}", code=EXIT_INVALID)
        result[key.strip()] = value.strip()
    return result


def _listed(pairs: dict[str, str] | None, keys: tuple[str, ...]) -> dict[str, Any] | None:
    """KEY=a,b for the findings that are lists: split on commas, an empty value is an empty list."""
    if pairs is None:
        return None
    return {
        key: [v.strip() for v in value.split(",") if v.strip()] if key in keys else value
        for key, value in pairs.items()
    }


def parse_lab_result(text: str, collected_at: str | None) -> dict[str, Any]:
    """'creatinine=1.1', 'alt=35:uln=40', 'ecg=normal' -> one LabObservation dict."""
    head, *extras = text.split(":")
    code, sep, raw = head.partition("=")
    if not sep or not code.strip() or not raw.strip():
        fail(
            f"--result {text!r}: expected CODE=VALUE[:uln=N][:lln=N], e.g. alt=35:uln=40 or ecg=normal",
            code=EXIT_INVALID,
        )
    observation: dict[str, Any] = {"code": code.strip().lower()}
    try:
        observation["value"] = float(raw)
    except ValueError:
        observation["interpretation"] = raw.strip()
    for extra in extras:
        key, sep, value = extra.partition("=")
        field = {"uln": "upper_limit_normal", "lln": "lower_limit_normal", "at": "collected_at"}.get(key.strip())
        if not sep or field is None:
            fail(f"--result {text!r}: unknown part {extra!r}; use uln=N, lln=N or at=TIME", code=EXIT_INVALID)
        observation[field] = value.strip()
    if collected_at is not None:
        observation.setdefault("collected_at", collected_at)
    return observation


def parse_lesion(text: str) -> dict[str, Any]:
    """'L1:lung:20' or 'N1:axillary_node:16:node' -> one TargetLesion dict."""
    parts = text.split(":")
    if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3] != "node"):
        fail(f"--lesion {text!r}: expected ID:ORGAN:MM[:node], e.g. L1:lung:20", code=EXIT_INVALID)
    return {
        "lesion_id": parts[0],
        "organ": parts[1],
        "diameter_mm": parts[2],
        "is_lymph_node": len(parts) == 4,
    }


# Takes a command's own flags as keyword arguments; returns input fields (None for unset).
FieldsFromFlags = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Flags:
    fields: FieldsFromFlags
    # Withdrawal, death and decisions are not corrected from the command line.
    corrects: bool = True


FLAGS: dict[Action, Flags] = {}


def flags(action: Action, *, corrects: bool = True) -> Callable[[FieldsFromFlags], FieldsFromFlags]:
    def register(fields: FieldsFromFlags) -> FieldsFromFlags:
        FLAGS[action] = Flags(fields, corrects)
        return fields

    return register


@flags(Action.LAB_RESULTS)
def lab_results(
    result: Annotated[
        list[str] | None,
        Opt(
            "--result",
            metavar="CODE=VALUE",
            help="Repeatable; CODE=VALUE[:uln=N][:lln=N], e.g. creatinine=1.1, alt=35:uln=40, ecg=normal.",
        ),
    ] = None,
    collected_at: When = None,
) -> dict[str, Any]:
    return {"results": [parse_lab_result(item, collected_at) for item in result] if result else None}


@flags(Action.ELIGIBILITY)
def eligibility(
    advanced_breast_cancer: Annotated[
        bool | None,
        Opt("--advanced-breast-cancer/--no-advanced-breast-cancer", help="Advanced breast cancer confirmed."),
    ] = None,
    progressed: Annotated[
        bool | None, Opt("--progressed/--not-progressed", help="Progressed on chemo and/or radiotherapy.")
    ] = None,
    metastasis_count: Annotated[
        int | None, Opt("--metastasis-count", metavar="N", help="Number of metastases.")
    ] = None,
    metastasis_site: Annotated[
        str | None, Opt("--metastasis-site", metavar="SITE", help="lymph_node, lung, liver, bone or other.")
    ] = None,
    measurable: Annotated[
        bool | None, Opt("--measurable/--not-measurable", help="Metastasis measurable (RECIST 1.1).")
    ] = None,
    active_infection: Annotated[
        bool | None, Opt("--active-infection/--no-active-infection", help="Active uncontrolled infection.")
    ] = None,
    other_cancer: Annotated[
        bool | None, Opt("--other-cancer/--no-other-cancer", help="Another, unrelated cancer.")
    ] = None,
    assessed_at: When = None,
) -> dict[str, Any]:
    return {
        "advanced_breast_cancer": advanced_breast_cancer,
        "progressed_on_chemo_or_radiotherapy": progressed,
        "metastasis_count": metastasis_count,
        "metastasis_site": metastasis_site,
        "metastasis_measurable": measurable,
        "active_uncontrolled_infection": active_infection,
        "other_unrelated_cancer": other_cancer,
        "assessed_at": assessed_at,
    }


@flags(Action.SCAN)
def scan(
    kind: Annotated[ScanKind | None, Opt("--kind", help="Which assessment this scan is.")] = None,
    scanned_at: When = None,
    lesion: Annotated[
        list[str] | None,
        Opt(
            "--lesion",
            "-l",
            metavar="ID:ORGAN:MM",
            help="Target lesion, repeatable: L1:lung:20, N1:axillary_node:16:node.",
        ),
    ] = None,
    new_lesions: Annotated[bool | None, Opt("--new-lesions/--no-new-lesions", help="New lesions seen.")] = None,
    non_target_progression: Annotated[
        bool | None,
        Opt(
            "--non-target-progression/--no-non-target-progression",
            help="Unequivocal progression of non-target lesions.",
        ),
    ] = None,
    non_target: Annotated[
        NonTargetStatus | None,
        Opt(
            "--non-target-status",
            help="RECIST 1.1 non-target lesions; omit when there are none (at baseline: non_CR_non_PD).",
        ),
    ] = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "scanned_at": scanned_at,
        "target_lesions": [parse_lesion(item) for item in lesion] if lesion else None,
        "new_lesions": new_lesions,
        "unequivocal_non_target_progression": non_target_progression,
        "non_target_status": non_target,
    }


@flags(Action.BIOPSY)
def biopsy(sample_id: SampleId = None, collected_at: When = None) -> dict[str, Any]:
    return {"sample_id": sample_id, "collected_at": collected_at}


@flags(Action.MILESTONE)
def milestone(
    milestone: Annotated[
        Milestone | None,
        Opt("--milestone", metavar="STEP", help=f"The manufacturing step reached: {_choices(Milestone)}."),
    ] = None,
    sample_id: SampleId = None,
    occurred_at: When = None,
    succeeded: Annotated[bool | None, Opt("--succeeded/--failed", help="Whether the step succeeded.")] = None,
    failure_code: Annotated[
        str | None, Opt("--failure-code", metavar="CODE", help="Why the step failed (with --failed).")
    ] = None,
    qc: Annotated[
        list[str] | None,
        Opt(
            "--qc",
            metavar="KEY=VALUE",
            help="Release QC, repeatable: viability_percent=85, sterility_negative=true.",
        ),
    ] = None,
) -> dict[str, Any]:
    return {
        "milestone": milestone,
        "sample_id": sample_id,
        "occurred_at": occurred_at,
        "succeeded": succeeded,
        "failure_code": failure_code,
        "release_qc": _pairs(qc, "--qc", "viability_percent=85"),
    }


@flags(Action.INFUSION)
def infusion(
    number: Annotated[int | None, Opt("--number", metavar="N", help="Infusion number: 1, 2 or 3.")] = None,
    administered_at: When = None,
    cells: Annotated[
        float | None, Opt("--cells", metavar="COUNT", help="Viable cells administered, e.g. 5.1e9.")
    ] = None,
    product_sample_id: Annotated[
        str | None, Opt("--product-sample-id", metavar="ID", help="The released product's sample ID.")
    ] = None,
) -> dict[str, Any]:
    return {
        "infusion_number": number,
        "administered_at": administered_at,
        "cells_administered": cells,
        "product_sample_id": product_sample_id,
    }


@flags(Action.ADVERSE_EVENT)
def adverse_event(
    ae_id: Annotated[str | None, Opt("--ae-id", metavar="ID", help="Omit for a new AE; give it to update one.")] = None,
    term: Annotated[str | None, Opt("--term", metavar="TERM", help="CTCAE v5 term, e.g. nausea.")] = None,
    category: Annotated[AeCategory | None, Opt("--category", help="CRS and ICANS are graded from findings.")] = None,
    grade: Annotated[int | None, Opt("--grade", metavar="1-5", help="CTCAE grade (not for CRS or ICANS).")] = None,
    attribution: AttributionOpt = None,
    serious: Annotated[bool | None, Opt("--serious/--not-serious", help="Serious (ICH E2A).")] = None,
    unexpected: Annotated[
        bool | None, Opt("--unexpected/--expected", help="Unexpected, for a SUSAR (ICH E2A).")
    ] = None,
    onset_at: When = None,
    resolved_at: When = None,
    seriousness_known_at: When = None,
    crs: Annotated[
        list[str] | None,
        Opt(
            "--crs",
            metavar="KEY=VALUE",
            help="CRS finding (ASTCT), repeatable: temperature_c=38.5, fever_masked_by=tocilizumab, "
            "hypotension=true, vasopressor_kinds=norepinephrine,vasopressin, oxygen_device=nasal_cannula, "
            "oxygen_l_per_min=4. Lists are comma-separated.",
        ),
    ] = None,
    icans: Annotated[
        list[str] | None,
        Opt(
            "--icans",
            metavar="KEY=VALUE",
            help="ICANS finding (ASTCT), repeatable: ice_score=6, consciousness=awakens_to_voice, "
            "seizure=clinical_resolved_rapidly, motor_findings=deep_focal_weakness, "
            "raised_intracranial_pressure=focal_oedema_on_imaging.",
        ),
    ] = None,
) -> dict[str, Any]:
    return {
        "ae_id": ae_id,
        "term": term,
        "category": category,
        "grade": grade,
        "attribution": attribution,
        "serious": serious,
        "unexpected": unexpected,
        "onset_at": onset_at,
        "resolved_at": resolved_at,
        "seriousness_known_at": seriousness_known_at,
        "crs": _listed(_pairs(crs, "--crs", "temperature_c=38.5"), ("fever_masked_by", "vasopressor_kinds")),
        "icans": _pairs(icans, "--icans", "ice_score=6"),
    }


@flags(Action.NEW_THERAPY)
def new_therapy(
    therapy: Annotated[
        str | None, Opt("--therapy", metavar="CODE", help="The therapy started, e.g. capecitabine.")
    ] = None,
    started_at: When = None,
) -> dict[str, Any]:
    return {"therapy": therapy, "started_at": started_at}


@flags(Action.WITHDRAWAL, corrects=False)
def withdrawal(withdrawn_at: When = None) -> dict[str, Any]:
    return {"withdrawn_at": withdrawn_at}


@flags(Action.DEATH, corrects=False)
def death(died_at: When = None, attribution: AttributionOpt = None) -> dict[str, Any]:
    return {"died_at": died_at, "attribution": attribution}


@flags(Action.DECISION, corrects=False)
def decision(
    decision: Annotated[
        DecisionKind | None,
        Opt("--decision", metavar="DECISION", help=f"What the supervisor decided: {_choices(DecisionKind)}."),
    ] = None,
    ae_id: Annotated[
        str | None, Opt("--ae-id", metavar="ID", help="The AE an SAE or SUSAR report acknowledges.")
    ] = None,
) -> dict[str, Any]:
    return {"decision": decision, "ae_id": ae_id}


def _option(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


# Every command's own flags sit between these, in this order, as `itc record X --help` lists them.
_LEADING = (
    _option("participant", Participant, inspect.Parameter.empty),
    _option("actor", Actor),
    _option("role", RoleOpt),
    _option("json_file", JsonFile),
)
_TRAILING = (_option("reason", Reason), _option("request_id", RequestId))
_CORRECTS = _option("corrects", Corrects)
_SHARED = frozenset(parameter.name for parameter in (*_LEADING, *_TRAILING, _CORRECTS))


def _add_command(spec: StaffActionSpec, own: Flags) -> None:
    """One typer command: the shared options and the action's own flags, as one signature."""
    own_flags = list(inspect.signature(own.fields, eval_str=True).parameters.values())
    parameters = [*_LEADING, *(_option(p.name, p.annotation, p.default) for p in own_flags), *_TRAILING]
    if own.corrects:
        parameters.append(_CORRECTS)

    hints = how_to_give(parameters)

    def command(**given: Any) -> None:
        shared = {name: given.pop(name) for name in _SHARED if name in given}
        _send(spec, own.fields(**given), **shared, hints=hints)

    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
    command.__doc__ = spec.help
    command.__name__ = spec.action.value.replace("-", "_")
    app.command(spec.action.value)(command)


def _no_flags() -> dict[str, Any]:
    return {}


for _spec in STAFF_ACTIONS:
    _add_command(_spec, FLAGS.get(_spec.action, Flags(_no_flags)))
