"""Pieces of the API that need no server: form fields reshaped into the inputs the API takes."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from itc.api import forms
from itc.api.errors import describe
from itc.base.errors import EnrolmentClosed, NoWorker
from itc.models.roles import Action


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
