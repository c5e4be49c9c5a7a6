"""The registry of staff actions is complete and everything else follows it: one entry per
Update on the journey, each with the handler's own input model, a route, a command and a form."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from temporalio import workflow
from typer.main import get_command

from itc.actions import (
    ACTIONS,
    BY_UPDATE,
    STAFF_ACTIONS,
    Action,
    Role,
    SignatureMeaning,
    refusal_message,
    role_refusal,
)
from itc.api import forms
from itc.api.routers.records import router as records_router
from itc.cli.record import app as record_app
from itc.runtime.journeys import UPDATE_INPUTS
from workflows.journey import ParticipantJourneyWorkflow

FORM_TEMPLATES = Path(forms.__file__).parent / "templates" / "forms"


def _journey_updates() -> dict[str, list[type]]:
    definition = workflow._Definition.must_from_class(ParticipantJourneyWorkflow)
    return {name: list(update.arg_types) for name, update in definition.updates.items()}


def test_every_journey_update_has_exactly_one_entry_and_every_entry_an_update() -> None:
    updates = _journey_updates()
    entries = [spec.update for spec in STAFF_ACTIONS]
    assert sorted(entries) == sorted(updates)
    assert len(set(entries)) == len(entries)


def test_each_entry_names_the_model_its_update_handler_takes() -> None:
    for name, arg_types in _journey_updates().items():
        assert arg_types == [BY_UPDATE[name].input_model], name
    assert {spec.update: spec.input_model for spec in STAFF_ACTIONS} == UPDATE_INPUTS


def test_every_action_has_one_entry_with_its_name() -> None:
    assert set(ACTIONS) == set(Action)
    for action, spec in ACTIONS.items():
        assert spec.action is action
        assert spec.roles, f"{action} is open to no role"
        # A signed action names both what its signature means and the record it signs: a
        # journey event, or (trial resume) a trial decision; never both.
        assert (spec.signature_meaning is None) == (spec.signed_event is None and spec.signed_trial_decision is None)
        assert spec.signed_event is None or spec.signed_trial_decision is None, action


def test_the_signed_actions_and_their_meanings_21_cfr_11_50() -> None:
    """Written out, not read from the registry, so a changed table fails here."""
    signed = {action: spec.signature_meaning for action, spec in ACTIONS.items() if spec.signature_meaning}
    assert signed == {
        Action.ELIGIBILITY: SignatureMeaning.APPROVED,
        Action.SCAN: SignatureMeaning.REVIEWED,
        Action.INFUSION: SignatureMeaning.PERFORMED,
        Action.ADVERSE_EVENT: SignatureMeaning.REVIEWED,
        Action.DECISION: SignatureMeaning.APPROVED,
        Action.QUALITY_DECISION: SignatureMeaning.APPROVED,
        Action.BEDSIDE: SignatureMeaning.VERIFIED,
        Action.MILESTONE: SignatureMeaning.APPROVED,
        Action.TRIAL_RESUME: SignatureMeaning.APPROVED,
    }
    # Among the milestones only the product release QC is signed, and quality approves it.
    assert ACTIONS[Action.MILESTONE].signed_payload == (("milestone", "product_release_qc"),)
    assert ACTIONS[Action.MILESTONE].approving_role is Role.QUALITY
    assert ACTIONS[Action.TRIAL_RESUME].signed_trial_decision == "resume"


def test_reading_is_open_to_every_role() -> None:
    # Operations let any permit read (a refused form shows its page again): that holds only
    # while every role may read.
    assert ACTIONS[Action.READ].roles == frozenset(Role)


def test_only_decisions_supervisor_or_quality_always_give_their_reason() -> None:
    assert [spec.action for spec in STAFF_ACTIONS if spec.reason_required] == [Action.DECISION, Action.QUALITY_DECISION]


def test_refusals_read_from_the_entry() -> None:
    assert role_refusal(Role.LAB, Action.DEATH) == refusal_message(Role.LAB, Action.DEATH)
    assert refusal_message(Role.LAB, Action.DEATH) == "The lab role may not record a death; that is for: operations."
    assert role_refusal(Role.OPERATIONS, Action.LAB_RESULTS) is None
    assert role_refusal(None, Action.LAB_RESULTS) == (
        "Say which role you act in (role: operations, lab); every staff action must declare one."
    )


def test_every_staff_action_has_a_route_a_command_and_a_form() -> None:
    paths = {getattr(route, "path", None) for route in records_router.routes}
    commands = get_command(record_app).commands  # type: ignore[attr-defined]
    for spec in STAFF_ACTIONS:
        assert f"/api/journeys/{{participant_id}}/{spec.action.value}" in paths, spec.action
        assert commands[spec.action.value].help == spec.help
        assert spec.action in forms.READERS, spec.action
        assert (FORM_TEMPLATES / f"{spec.action.value}.html").is_file(), spec.action


def test_the_registry_imports_neither_temporal_nor_the_web_stack() -> None:
    """The journey's validators read it inside the workflow sandbox, so it stays a models module."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, itc.actions; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for heavy in ("temporalio", "fastapi", "typer", "itc.api", "itc.cli", "itc.runtime"):
        assert heavy not in loaded, heavy
