"""A consent record for a start, checked before anything connects to a server: by `itc start`
on the staff machine and by the API. Light to import (models and the standard library)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError

from itc.base.errors import InvalidInput
from itc.base.json_input import validate_model
from itc.models.inputs import ConsentRecord

# The latest calendar date anywhere on Earth is UTC+14; a consent signed "today" at a site
# ahead of UTC must not be refused as being in the future.
_LATEST_UTC_OFFSET = timedelta(hours=14)

_DATE = TypeAdapter(date)


def parse_consent(data: dict[str, Any], *, now: datetime | None = None) -> ConsentRecord:
    """Validate a consent record for a start. Age is not judged here: screening owns eligibility."""
    now = now or datetime.now(UTC)
    latest_today = (now.astimezone(UTC) + _LATEST_UTC_OFFSET).date()
    # Judged before the record as a whole: a consent dated years ahead would otherwise be
    # reported as an impossible age at consent, blaming the date of birth.
    consent_date = _date_or_none(data.get("consent_date"))
    if consent_date is not None and consent_date > latest_today:
        raise InvalidInput(
            "Invalid consent record: 1 problem(s)",
            lines=[f"consent_date: {consent_date.isoformat()} is in the future"],
        )
    return validate_model(ConsentRecord, data, "consent record")


def _date_or_none(value: Any) -> date | None:
    try:
        return _DATE.validate_python(value)
    except ValidationError:
        return None
