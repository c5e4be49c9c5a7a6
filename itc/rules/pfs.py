"""Progression-free survival with censoring."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


class TumourAssessment(BaseModel):
    model_config = ConfigDict(frozen=True)
    assessed_on: date
    progression: bool
    adequate: bool = True


class PfsResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    event: bool
    event_type: str | None  # "progression", "death" or None when censored
    end_date: date
    days: int
    censor_reason: str | None = None


def compute_pfs(
    start_on: date,
    assessments: list[TumourAssessment],
    death_on: date | None,
    missed_assessments_before_death: int,
    missed_assessments_censoring_death: int,
) -> PfsResult:
    """PFS from start_on (the first infusion) to progression or death, else censored.

    Progression is an event even on an assessment judged inadequate: documented
    progression is not undone by a poor scan. Adequacy only matters for where a
    censored record ends.
    """
    if death_on is not None and death_on < start_on:
        raise ValueError(f"death on {death_on} is before the PFS start on {start_on}")
    # Scans before the start are baseline, not follow-up; none can follow death.
    usable = sorted(
        (a for a in assessments if a.assessed_on >= start_on and (death_on is None or a.assessed_on <= death_on)),
        key=lambda a: a.assessed_on,
    )
    for assessment in usable:
        if assessment.progression:
            return _result(start_on, assessment.assessed_on, "progression")
    adequate = [a.assessed_on for a in usable if a.adequate]
    last = adequate[-1] if adequate else None
    if death_on is not None:
        if missed_assessments_before_death < missed_assessments_censoring_death:
            return _result(start_on, death_on, "death")
        why = (
            f"Death on {death_on.isoformat()} followed {missed_assessments_before_death} missed assessments "
            f"(censoring from {missed_assessments_censoring_death})"
        )
        return _censored(start_on, last, why)
    return _censored(start_on, last, "No progression or death recorded")


def _result(start_on: date, end: date, event_type: str) -> PfsResult:
    return PfsResult(event=True, event_type=event_type, end_date=end, days=(end - start_on).days)


def _censored(start_on: date, last_adequate: date | None, why: str) -> PfsResult:
    if last_adequate is None:
        end = start_on
        reason = f"{why}; no adequate assessment after the start, so censored at the start date."
    else:
        end = last_adequate
        reason = f"{why}; censored at the last adequate assessment on {end.isoformat()}."
    return PfsResult(event=False, event_type=None, end_date=end, days=(end - start_on).days, censor_reason=reason)


def progression_free_survival(
    start_on: date,
    assessments: list[TumourAssessment],
    missed_on: list[date],
    death_on: date | None,
    new_therapy_on: date | None,
    missed_assessments_censoring: int,
) -> PfsResult:
    """PFS by the censoring table of the FDA guidance "Clinical Trial Endpoints for the Approval
    of Cancer Drugs and Biologics" (2018), Table 2.

    - Progression or death: the event, on its date.
    - New anticancer therapy started before documented progression: censored at the last
      adequate assessment on or before the day it started (a scan that day precedes it).
    - Death or progression after two or more missed assessments (`missed_on`, the scheduled
      days no assessment was made): censored at the last adequate assessment before them.
    - Neither: censored at the last adequate assessment, or at the start when there is none.
    """
    if death_on is not None and death_on < start_on:
        raise ValueError(f"death on {death_on} is before the PFS start on {start_on}")
    usable = sorted(
        (a for a in assessments if a.assessed_on >= start_on and (death_on is None or a.assessed_on <= death_on)),
        key=lambda a: a.assessed_on,
    )
    progression = next((a.assessed_on for a in usable if a.progression), None)
    event = (progression, "progression") if progression is not None else (death_on, "death")
    event_on, event_type = event
    if new_therapy_on is not None and (event_on is None or new_therapy_on < event_on):
        before = _last_adequate(usable, new_therapy_on)
        return _censored(start_on, before, f"New anticancer therapy started on {new_therapy_on.isoformat()}")
    if event_on is None:
        return _censored(start_on, _last_adequate(usable, None), "No progression or death recorded")
    last = _last_adequate(usable, event_on, strictly_before=True)
    missed = [day for day in missed_on if day < event_on and (last is None or day > last)]
    if len(missed) >= missed_assessments_censoring:
        why = (
            f"{event_type.capitalize()} on {event_on.isoformat()} followed {len(missed)} missed assessments "
            f"(censoring from {missed_assessments_censoring})"
        )
        return _censored(start_on, last, why)
    return _result(start_on, event_on, event_type)


def _last_adequate(usable: list[TumourAssessment], until: date | None, strictly_before: bool = False) -> date | None:
    days = [
        a.assessed_on
        for a in usable
        if a.adequate and (until is None or a.assessed_on < until or (not strictly_before and a.assessed_on == until))
    ]
    return days[-1] if days else None
