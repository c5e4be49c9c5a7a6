"""The audit trail in staff's words: each stored event's type, actor and role, and its
payload as labelled fields (nested records flattened), for the page and its CSV."""

from __future__ import annotations

from typing import Any

from itc.api.labels import VOCABULARY, event_label, field_label, human
from itc.api.schemas import AuditEvent

Field = tuple[str, str]


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    # An identifier the engine knows reads in words; anything typed by staff stays as typed.
    return VOCABULARY.get(text, text)


def fields(payload: dict[str, Any], prefix: str = "") -> list[Field]:
    rows: list[Field] = []
    for key, value in payload.items():
        name = f"{prefix}{field_label(key)}"
        if isinstance(value, dict):
            rows.extend(fields(value, f"{name} · "))
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            for index, item in enumerate(value, start=1):
                rows.extend(fields(item, f"{name} {index} · "))
        elif isinstance(value, list):
            rows.append((name, ", ".join(_value(item) for item in value) or "—"))
        else:
            rows.append((name, _value(value)))
    return rows


CSV_HEADER = ["#", "Event", "Occurred (UTC)", "Recorded (UTC)", "Actor", "Role", "Reason", "Corrects #",
              "Protocol", "Request ID", "Data", "Signatures"]  # fmt: skip


def csv_row(event: AuditEvent) -> list[object]:
    data = "; ".join(f"{name}: {value}" for name, value in fields(event.payload))
    return [event.sequence, event_label(event.type), event.occurred_at, event.recorded_at, event.actor,
            human(event.actor_role) if event.actor_role else "", event.reason, event.corrects_sequence,
            event.protocol_version, event.request_id, data,
            "; ".join(signature.manifestation for signature in event.signatures)]  # fmt: skip
