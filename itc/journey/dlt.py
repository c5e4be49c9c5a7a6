"""Dose-limiting toxicity: from one graded event, from a haematological toxicity that lasts, and the window.

A DLT stops further infusions and is reported to the trial; a window that closes
without one is reported too, so the trial counts the participant as evaluable.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itc.journey.facts import in_dlt_window
from itc.journey.journal import Journal
from itc.models.enums import AeCategory, EventType, Recipient
from itc.models.inputs import LabObservation
from itc.models.state import AdverseEventRecord, JourneyState
from itc.rules import dlt as dlt_rules
from itc.rules.lab_catalogue import HAEMATOLOGICAL_LABS


def check_event(journal: Journal, ae: AdverseEventRecord) -> None:
    """A DLT on its own, or a haematological toxicity at the DLT grade that has already resolved after long enough."""
    state = journal.state
    if state.dlt or not in_dlt_window(state, ae.onset_at):
        return
    definition = state.protocol.dlt
    related = ae.attribution.at_least_possibly_related
    is_dlt = dlt_rules.is_dlt_event(ae.category.value, ae.grade, related, definition)
    if (
        not is_dlt
        and ae.category is AeCategory.HAEMATOLOGICAL
        and ae.grade == definition.haematological_grade
        and ae.resolved_at is not None
    ):
        is_dlt = dlt_rules.haematological_dlt(ae.onset_at, ae.resolved_at, definition)
    if is_dlt:
        ae.is_dlt = True
        record(journal, f"grade {ae.grade} {ae.term} ({ae.ae_id}, {ae.attribution.value})")


def track_haematological_labs(journal: Journal, results: list[LabObservation], grades: dict[str, int]) -> None:
    """Lab results at the DLT grade for longer than the protocol allows are a DLT."""
    state = journal.state
    definition = state.protocol.dlt
    for result in results:
        if result.code not in HAEMATOLOGICAL_LABS or state.dlt or not in_dlt_window(state, result.collected_at):
            continue
        if grades.get(result.code.value) == definition.haematological_grade:
            since = state.haematological_grade4_since.setdefault(result.code.value, result.collected_at)
            if dlt_rules.haematological_dlt(since, result.collected_at, definition):
                record(
                    journal,
                    f"grade {definition.haematological_grade} {result.code.value} from {since.date()} to {result.collected_at.date()}",
                )
        else:
            state.haematological_grade4_since.pop(result.code.value, None)


def record(journal: Journal, description: str) -> None:
    state = journal.state
    state.dlt, state.dlt_description = True, description
    cause = journal.emit(
        EventType.DLT_DETECTED,
        {"description": description, "infusions_given": state.infusions_given},
        summary=f"DLT: {description}",
    )
    for recipient in (Recipient.SAFETY_MONITOR, Recipient.SUPERVISOR):
        journal.notify(
            recipient,
            "dlt",
            f"DLT for {state.participant_id}",
            f"Dose-limiting toxicity: {description}. Further infusions are stopped.",
            cause=cause,
            urgent=True,
        )
    journal.report_dlt_outcome(True, description)


def haematological_events_to_time(state: JourneyState) -> list[AdverseEventRecord]:
    """Unresolved haematological events at the DLT grade, in the window, whose duration is still to be judged."""
    return [
        ae
        for ae in state.adverse_events
        if ae.category is AeCategory.HAEMATOLOGICAL
        and ae.grade == state.protocol.dlt.haematological_grade
        and ae.resolved_at is None
        and not ae.dlt_checked_for_duration
        and not state.dlt
        and in_dlt_window(state, ae.onset_at)
    ]


def run_clocks(journal: Journal) -> None:
    """A haematological event that has lasted long enough, and the end of the DLT window."""
    state, now = journal.state, journal.now
    definition = state.protocol.dlt
    for ae in haematological_events_to_time(state):
        if now - ae.onset_at > timedelta(days=definition.haematological_min_duration_days):
            ae.dlt_checked_for_duration = True
            if dlt_rules.haematological_dlt(ae.onset_at, now, definition):
                ae.is_dlt = True
                record(
                    journal,
                    f"grade {definition.haematological_grade} {ae.term} ({ae.ae_id}) lasting more than {definition.haematological_min_duration_days} days",
                )
    if state.dlt_window_ends_at is not None and not state.dlt_window_closed and now >= state.dlt_window_ends_at:
        state.dlt_window_closed = True
        journal.emit(EventType.DLT_WINDOW_COMPLETED, {"dlt": state.dlt}, summary="DLT window completed")
        if not state.dlt:
            journal.report_dlt_outcome(False, None)


def deadlines(state: JourneyState) -> list[datetime]:
    definition = state.protocol.dlt
    times = [
        ae.onset_at + timedelta(days=definition.haematological_min_duration_days, seconds=1)
        for ae in haematological_events_to_time(state)
    ]
    if state.dlt_window_ends_at is not None and not state.dlt_window_closed:
        times.append(state.dlt_window_ends_at)
    return times
