"""Plain-text rendering: stable, greppable, and free of PHI (the status model carries none).

Every stored text passes through `safe` on its way to the terminal: the inputs refuse
control characters now, but events recorded before that may still hold them, and a BEL,
CR or right-to-left override must not act on the screen of whoever reads the record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from itc.api.labels import event_label, human, readable
from itc.cli.answers import JourneyStatusAnswer
from itc.cli.columns import aligned
from itc.models.text import escape_controls, forbidden_character
from itc.models.timeline import TimelineEntry

# Every character the inputs refuse, as a JSON escape: JSON output stays valid and means the
# same, but a terminal shows the escape instead of obeying the character. Newline and tab are
# left alone: inside a JSON string they are already escaped, outside they are the indentation.
_JSON_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

DASH = "—"


def safe(text: object) -> str:
    """Stored text made harmless to print on one line."""
    return escape_controls(str(text))


def when(value: datetime | None) -> str:
    if value is None:
        return DASH
    return value.strftime("%Y-%m-%d %H:%M UTC") if value.utcoffset() is not None else value.isoformat()


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _rows(pairs: Iterable[tuple[str, str | Sequence[str]]]) -> str:
    """Label/value rows; a list value gets one line per item, aligned under the first."""
    pairs = list(pairs)
    width = max(len(label) for label, _ in pairs)
    lines = []
    for label, value in pairs:
        items = [safe(value)] if isinstance(value, str) else ([safe(item) for item in value] or [DASH])
        lines.append(f"{label.ljust(width)}  {items[0]}")
        lines.extend(f"{' ' * width}  {item}" for item in items[1:])
    return "\n".join(lines)


def status_text(status: JourneyStatusAnswer) -> str:
    due = [
        f"{item.label} (due {when(item.due_at)}"
        + (f", window {when(item.window_start)} to {when(item.window_end)}" if item.window_end else "")
        + ")"
        for item in status.next_due
    ]
    milestones = [
        f"{human(m.milestone)}: "
        + (("done " + when(m.occurred_at)) if m.occurred_at else f"expected by {when(m.expected_by)}")
        + (" (overdue, escalated)" if m.overdue_escalated else "")
        for m in status.manufacturing_milestones
    ]
    open_aes = [
        f"{ae.ae_id} {ae.term} grade {ae.grade}" + (" DLT" if ae.is_dlt else "") for ae in status.open_adverse_events
    ]
    clocks = [f"{c.clock} for {c.ae_id} due {when(c.due_at)}" for c in status.open_sae_clocks]
    dose = DASH
    if status.dose_plan is not None:
        dose = _short(status.dose_plan)
    pairs = [
        ("Participant", f"{status.participant_id} (site {status.site}, protocol {status.protocol_version})"),
        ("Stage", f"{human(status.stage)} since {when(status.stage_entered_at)}"),
        ("Next due", due),
        ("Biopsy attempts", str(status.biopsy_attempts)),
        ("Manufacturing", milestones),
        ("Awaiting decision", _yes(status.awaiting_supervisor_decision)),
        ("Dose plan", dose),
        ("Infusions given", str(status.infusions_given) + (" (discontinued)" if status.infusions_discontinued else "")),
        ("Open AEs", open_aes),
        ("Worst AE grade", str(status.worst_ae_grade)),
        ("DLT", _yes(status.dlt) + (f": {status.dlt_description}" if status.dlt_description else "")),
        ("Open SAE clocks", clocks),
        ("Response", _response(status)),
        ("PFS", _short(status.pfs) if status.pfs is not None else DASH),
        ("Failed criteria", status.failed_criteria),
        ("Deviations", status.deviations),
        ("Ended", status.end_reason or DASH),
        ("Events", f"{status.last_sequence} (run {status.run_count})"),
    ]
    if status.unstored_events:
        # Rare and urgent, so shown only when there is one: the store refused these as invalid data.
        refused = [
            f"event {u.sequence} ({event_label(u.type)}) refused by the event store ({u.sqlstate}) {when(u.refused_at)}; "
            "an escaped copy is kept"
            for u in status.unstored_events
        ]
        pairs.insert(len(pairs) - 1, ("Not stored", refused))
    return _rows(pairs)


def _response(status: JourneyStatusAnswer) -> str:
    if status.response is None:
        return DASH
    text = status.response.value
    if status.confirmed_response is not None:
        text += f" (confirmed {status.confirmed_response.value})"
    return text


def _short(model: Any) -> str:
    data = model.model_dump(mode="json") if hasattr(model, "model_dump") else dict(model)
    return ", ".join(f"{key}={value}" for key, value in data.items() if not isinstance(value, (dict, list)))


def timeline_text(entries: Sequence[TimelineEntry]) -> str:
    if not entries:
        return "No events yet."
    rows = [
        [
            f"#{entry.sequence}",
            when(entry.occurred_at),
            safe(event_label(entry.type)),
            safe(entry.actor),
            safe(readable(entry.summary))
            + (f" (corrects #{entry.corrects_sequence})" if entry.corrects_sequence else ""),
        ]
        for entry in entries
    ]
    return "\n".join(aligned(rows, TIMELINE_CAPS))


# Sequence, time and type are short by construction; an actor ID is whatever a site uses.
TIMELINE_CAPS = (None, None, 32, 20, None)


LIST_COLUMNS = (
    "participant_id",
    "site",
    "stage",
    "next_due_action",
    "next_due_at",
    "infusions_given",
    "worst_ae_grade",
    "dlt",
    "end_reason",
)


# Engine identifiers, shown in the words of the dashboard's one mapping.
LABELLED_COLUMNS = frozenset({"stage", "next_due_action"})


def _cell(value: Any) -> str:
    if value is None:
        return DASH
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, bool):
        return _yes(value)
    return safe(value)


def status_list_text(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return "No participants match."
    columns = [column for column in LIST_COLUMNS if column in rows[0]]
    table = [[column for column in columns]] + [
        [_cell(human(row.get(column)) if column in LABELLED_COLUMNS else row.get(column)) for column in columns]
        for row in rows
    ]
    widths = [max(len(line[index]) for line in table) for index in range(len(columns))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False)).rstrip() for line in table
    )


def to_json(data: Any) -> str:
    if hasattr(data, "model_dump_json"):
        text = str(data.model_dump_json(indent=2))
    else:
        if isinstance(data, list) and data and hasattr(data[0], "model_dump"):
            data = [item.model_dump(mode="json") for item in data]
        text = json.dumps(data, indent=2, default=str)
    return _json_escape_controls(text)


def answer_json(data: Any) -> str:
    """An API answer as its model prints itself (`model_dump_json(indent=2)`: characters beyond
    ASCII as they are), for a command that prints the answer without building that model."""
    return _json_escape_controls(json.dumps(data, indent=2, ensure_ascii=False))


def _json_escape_controls(text: str) -> str:
    if forbidden_character(text, multi_line=True) is None:
        return text
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
