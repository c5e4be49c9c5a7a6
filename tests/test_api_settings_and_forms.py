"""Pieces of the API that need no server: the token map, and form fields reshaped into the
inputs the API takes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from itc.api import forms
from itc.api.errors import describe
from itc.api.settings import ApiSettings, parse_token_roles
from itc.base.errors import EnrolmentClosed, InvalidInput, NoWorker
from itc.models.roles import Action, Role

SECRET = "super-secret-token-1"


def test_tokens_from_json_or_a_file(tmp_path: Path) -> None:
    mapping = {SECRET: "lab", "another-token-22": "supervisor"}
    assert parse_token_roles(json.dumps(mapping)) == {SECRET: Role.LAB, "another-token-22": Role.SUPERVISOR}
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps(mapping), encoding="utf-8")
    assert parse_token_roles(str(path)) == parse_token_roles(json.dumps(mapping))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('{"x": ', "ITC_API_TOKENS is not valid JSON"),
        ("{}", "must be a non-empty JSON object"),
        (json.dumps({SECRET: "admin"}), "entry 1: role 'admin' is not one of operations, lab, supervisor"),
        (json.dumps({"short": "lab"}), "entry 1: a token needs at least 8 characters and no spaces"),
        ("/no/such/tokens.json", "Cannot read ITC_API_TOKENS file /no/such/tokens.json"),
    ],
)
def test_a_bad_token_map_is_refused_without_echoing_tokens(source: str, expected: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_token_roles(source)
    text = " ".join([caught.value.message, *caught.value.lines])
    assert expected in text
    assert SECRET not in text


def test_no_tokens_means_no_server() -> None:
    with pytest.raises(InvalidInput, match="ITC_API_TOKENS is not set"):
        ApiSettings(itc_api_tokens="").token_roles()


def test_lab_form_keeps_only_filled_boxes_and_names_them_in_errors() -> None:
    form = forms.record_input(
        Action.LAB_RESULTS,
        {
            "collected_at": "2026-01-06T09:30",
            "lab.creatinine": "0.8",
            "lab.alt": "35",
            "lab.alt.limit": "40",
            "lab.ecg": "normal",
            "lab.cea": "  ",
            "request_id": "abc123",
        },
        actor_id="nurse.web",
    )
    assert form.data == {
        "results": [
            {"code": "creatinine", "value": "0.8", "collected_at": "2026-01-06T09:30:00Z"},
            {"code": "alt", "value": "35", "upper_limit_normal": "40", "collected_at": "2026-01-06T09:30:00Z"},
            {"code": "ecg", "interpretation": "normal", "collected_at": "2026-01-06T09:30:00Z"},
        ],
        "actor_id": "nurse.web",
        "request_id": "abc123",
    }
    assert form.readable(["results.1.value: Input should be a valid number", "results.0: out of range"]) == [
        "ALT value: Input should be a valid number",
        "Creatinine: out of range",
    ]


def test_unanswered_yes_no_questions_stay_missing_for_the_model_to_report() -> None:
    form = forms.record_input(
        Action.ELIGIBILITY, {"advanced_breast_cancer": "yes", "other_unrelated_cancer": "no"}, "dr.web"
    )
    assert form.data["advanced_breast_cancer"] is True
    assert form.data["other_unrelated_cancer"] is False
    assert "metastasis_measurable" not in form.data


def test_release_qc_is_sent_only_with_a_successful_release_milestone() -> None:
    values = {
        "milestone": "product_release_qc",
        "sample_id": "BX-1",
        "viability_percent": "85",
        "sterility_negative": "on",
    }
    released = forms.record_input(Action.MILESTONE, values, "lab.web").data
    assert released["release_qc"] == {
        "sterility_negative": True,
        "mycoplasma_negative": False,
        "viability_percent": "85",
    }
    failed = forms.record_input(
        Action.MILESTONE, {**values, "outcome": "failed", "failure_code": "QC-FAIL"}, "lab.web"
    ).data
    assert "release_qc" not in failed and failed["succeeded"] is False and failed["failure_code"] == "QC-FAIL"


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (EnrolmentClosed("Enrolment is paused: DLT review"), 409, "Enrolment is paused: DLT review"),
        (NoWorker("No worker answered"), 503, "No worker answered"),
        (WorkflowQueryFailedError("boom"), 502, "The journey could not answer: boom"),
        (RPCError("gone", RPCStatusCode.UNAVAILABLE, b""), 503, "Temporal stopped answering (gone); is it running?"),
        (KeyError("date_of_birth 1970-01-01"), 500, "Internal error; it has been logged."),
    ],
)
def test_every_failure_has_a_status_and_a_message(error: Exception, status: int, message: str) -> None:
    got_status, got_message, _ = describe(error)
    assert got_status == status
    assert got_message.startswith(message)
    assert "1970" not in got_message  # an unexpected error's text may quote input; it is not shown
