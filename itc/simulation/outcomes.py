"""Each participant's outcome, read from the event store rows (the permanent record), and
the same outcome read from the journey's own final status, so the two can be compared."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from itc.models.enums import EventType
from itc.models.state import JourneyStatus

NOT_ASSESSED = "not assessed"


@dataclass(frozen=True)
class Outcome:
    participant_id: str
    consent_date: date | None
    final_stage: str | None
    infusions_given: int
    dlt: bool
    response: str  # confirmed best response, the week-8 response if unconfirmed, else "not assessed"
    pfs_days: int | None
    pfs_event: bool | None

    def as_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["consent_date"] = self.consent_date.isoformat() if self.consent_date else None
        return row


def events_by_participant(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in sorted(events, key=lambda e: (e["participant_id"], e["sequence"])):
        grouped[event["participant_id"]].append(event)
    return dict(grouped)


def outcome_from_events(participant_id: str, events: list[dict[str, Any]]) -> Outcome:
    stage = consent = None
    infusions, dlt = 0, False
    week8 = confirmed = None
    pfs_days = pfs_event = None
    for event in events:
        kind, payload = event["type"], event["payload"]
        if kind == EventType.CONSENT_RECORDED:
            consent = date.fromisoformat(payload["consent_date"])
        elif kind == EventType.STAGE_CHANGED:
            stage = payload["to"]
        elif kind == EventType.INFUSION_ADMINISTERED:
            infusions += 1
        elif kind == EventType.DLT_DETECTED:
            dlt = True
        elif kind == EventType.RESPONSE_ASSESSED:
            week8 = payload["response"]
        elif kind in (EventType.RESPONSE_CONFIRMED, EventType.RESPONSE_NOT_CONFIRMED):
            confirmed = payload["confirmed_response"]
        elif kind == EventType.PFS_DETERMINED:
            pfs_days, pfs_event = payload["days"], payload["event"]
    return Outcome(
        participant_id, consent, stage, infusions, dlt, confirmed or week8 or NOT_ASSESSED, pfs_days, pfs_event
    )


def outcome_from_status(status: JourneyStatus, consent_date: date | None) -> Outcome:
    response = status.confirmed_response or status.response
    return Outcome(
        participant_id=status.participant_id,
        consent_date=consent_date,
        final_stage=status.stage.value,
        infusions_given=status.infusions_given,
        dlt=status.dlt,
        response=response.value if response else NOT_ASSESSED,
        pfs_days=status.pfs.days if status.pfs else None,
        pfs_event=status.pfs.event if status.pfs else None,
    )


def disagreements(from_store: dict[str, Outcome], from_workflows: dict[str, JourneyStatus]) -> list[str]:
    """Where the event store and the workflows' final states tell different stories."""
    problems = []
    for participant_id in sorted(set(from_store) | set(from_workflows)):
        stored = from_store.get(participant_id)
        status = from_workflows.get(participant_id)
        if stored is None or status is None:
            problems.append(
                f"{participant_id}: {'no events in the store' if stored is None else 'no final workflow state'}"
            )
            continue
        final = outcome_from_status(status, stored.consent_date)
        for field, value in asdict(stored).items():
            if asdict(final)[field] != value:
                problems.append(
                    f"{participant_id}: {field} is {value!r} in the event store but {asdict(final)[field]!r} in the workflow"
                )
    return problems
