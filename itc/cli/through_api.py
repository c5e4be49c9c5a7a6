"""What the staff commands (`start`, `status`, `timeline`, `audit`, `chain`, `list`, `trial status`,
`trial resume`, `record`) read and send through the HTTP API, as the person signed in with
`itc login`. They have no other way to the engine: a staff machine holds neither Temporal
credentials nor the payload key, so without a sign-in they refuse before contacting anything.
Imports stay light: neither Temporal nor the database driver is loaded, and the answers stay
as the API gave them, for each command to read with the models it needs."""

from __future__ import annotations

import os
import sys
from typing import Any

from itc.cli import api_client


def signed_in_person() -> str:
    """The person signed in with `itc login`; without one the command stops here (exit 2),
    before reading any settings or opening any connection."""
    person = api_client.signed_in_person()
    if person is None:
        api_client.fail(
            "Not signed in: staff commands go through the HTTP API as the person signed in. "
            f"Run `itc login --person <your ID>` first (the API at ITC_API_URL, now {api_client.api_url()}).",
            code=2,
        )
    if "structlog" in sys.modules:
        # Sharing a process with a server (an embedding, the tests): its logs go to stderr at
        # warnings only, as for every short command, so stdout holds the answer. A fresh `itc`
        # process has loaded no logging to quiet, and loading it would only cost start-up time.
        from itc.base.logging import configure_logging

        log_format = os.environ.get("LOG_FORMAT", "auto").lower()
        configure_logging(
            "json" if log_format == "json" else "console" if log_format == "console" else "auto",
            "WARNING",
            stream="stderr",
            temporal_loggers=False,
        )
    return person


def journey_status(participant: str, *, settled: bool = False) -> dict[str, Any]:
    """A `JourneyStatus` as the API answers it: as it stands, or (`settled`) once the journey has
    acted on what it was just given."""
    params = {"settle": "true"} if settled else None
    return dict(api_client.call("GET", f"/api/journeys/{participant}", params=params).json())


def journey_timeline(participant: str) -> list[dict[str, Any]]:
    return list(api_client.call("GET", f"/api/journeys/{participant}/timeline").json())


def audit_trail(participant: str) -> list[dict[str, Any]]:
    return list(api_client.call("GET", f"/api/journeys/{participant}/audit").json())


def chain(participant: str) -> dict[str, Any]:
    return dict(api_client.call("GET", f"/api/journeys/{participant}/chain").json())


def participants(stage: str | None, site: str | None) -> list[dict[str, Any]]:
    params = {key: value for key, value in {"stage": stage, "site": site}.items() if value is not None}
    return list(api_client.call("GET", "/api/journeys", params=params).json())


def trial_status() -> dict[str, Any]:
    return dict(api_client.call("GET", "/api/trial").json())


def trial_signatures() -> dict[str, list[dict[str, Any]]]:
    return dict(api_client.call("GET", "/api/trial/signatures").json())


def resume_trial(body: dict[str, Any]) -> dict[str, Any]:
    return dict(api_client.call("POST", "/api/trial/resume", json_body=body).json())
