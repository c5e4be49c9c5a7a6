"""`itc audit`: a participant's permanent record, read from the event store, not the workflow,
so it shows exactly what an auditor or monitor would find there; with each record's electronic
signatures; read through the HTTP API as the person signed in with `itc login`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import BaseModel, ConfigDict, Field

from itc.api.labels import event_label, human
from itc.cli import through_api
from itc.cli.columns import aligned
from itc.cli.errors import fail
from itc.cli.queries import AsJson, _check_participant
from itc.cli.render import safe, to_json
from itc.models.enums import EventType

if TYPE_CHECKING:
    # The API's modules bring FastAPI; every `itc` command would pay for importing it.
    from itc.api.schemas import AuditEvent


def audit(participant: Annotated[str, typer.Argument(help="Study ID, e.g. ITC-007.")], as_json: AsJson = False) -> None:
    """The audit trail from the event store, in sequence order, date of birth masked."""
    through_api.signed_in_person()
    _check_participant(participant)
    trail = through_api.audit_trail(participant)
    if not trail:
        fail(f"No events in the event store for participant {participant} (yet)")
    typer.echo(to_json(trail) if as_json else audit_text([AuditRow.model_validate(row) for row in trail]))


class SignatureLine(BaseModel):
    # Built at first use, as the other answers' models (`itc.cli.answers`): most commands print none.
    model_config = ConfigDict(extra="ignore", defer_build=True)
    manifestation: str


class AuditRow(BaseModel):
    """What the trail prints of one entry of the API's audit JSON."""

    model_config = ConfigDict(extra="ignore", defer_build=True)
    sequence: int
    recorded_at: datetime
    occurred_at: datetime
    actor: str
    actor_role: str | None = None
    type: EventType
    reason: str | None = None
    corrects_sequence: int | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    signatures: list[SignatureLine] = Field(default_factory=list)


def _utc(value: datetime) -> str:
    # Timestamps from PostgreSQL carry the session's zone; an audit trail reads in one zone.
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def audit_text(events: Sequence[AuditEvent | AuditRow]) -> str:
    rows = [["#", "recorded (UTC)", "occurred (UTC)", "actor (role)", "type", "reason"]]
    for event in events:
        why = event.reason or ""
        if event.corrects_sequence:
            why = f"corrects #{event.corrects_sequence}" + (f": {why}" if why else "")
        if event.type is EventType.ACTION_REFUSED:
            why = f"refused {human(event.payload.get('update'))}: {event.payload.get('message')}"
        who = f"{event.actor} ({event.actor_role})" if event.actor_role else event.actor
        # Reason, actor and refusal message are stored text: escaped so the trail shows what is held.
        rows.append(
            [
                f"#{event.sequence}",
                _utc(event.recorded_at),
                _utc(event.occurred_at),
                safe(who),
                event_label(event.type),
                safe(why),
            ]
        )
    signed = [
        f"  #{event.sequence} {safe(signature.manifestation)}"
        for event in events
        for signature in getattr(event, "signatures", [])
    ]
    # Each electronic signature under the table, by the record it signs (21 CFR 11.50).
    return "\n".join([*aligned(rows, AUDIT_CAPS), *(["Signatures:", *signed] if signed else [])])


# An actor ID is whatever a site uses: a long one wraps within its column.
AUDIT_CAPS = (None, None, None, 28, 32, None)
