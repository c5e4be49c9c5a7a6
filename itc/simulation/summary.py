"""The trial summary, counted from the event store's journey_events rows.

The workflows' final states are only used to cross-check it: a disagreement means the
permanent record and the engine tell different stories, which the run reports loudly.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from itc.models.enums import DecisionKind, EventType
from itc.simulation.excursions import excursion_row, excursion_summary
from itc.simulation.outcomes import (
    NOT_ASSESSED,
    Outcome,
    disagreements,
    events_by_participant,
    outcome_from_events,
)
from itc.simulation.queueing import queueing_row, queueing_rows, queueing_summary

RESPONSE_ORDER = ("CR", "PR", "SD", "PD", "NE", NOT_ASSESSED)


def pfs_median(outcomes: list[Outcome]) -> dict[str, Any]:
    """Kaplan-Meier median PFS in days, with its 95 % confidence interval (lifelines)."""
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    timed = [o for o in outcomes if o.pfs_days is not None]
    if not timed:
        return {"participants": 0, "events": 0, "median_days": None, "ci95_days": [None, None]}
    kmf = KaplanMeierFitter().fit([o.pfs_days for o in timed], [bool(o.pfs_event) for o in timed])
    ci = median_survival_times(kmf.confidence_interval_).iloc[0].tolist()
    return {
        "participants": len(timed),
        "events": sum(1 for o in timed if o.pfs_event),
        "median_days": _finite(kmf.median_survival_time_),
        "ci95_days": [_finite(ci[0]), _finite(ci[1])],
    }


def _finite(value: float) -> float | None:
    # An upper bound the curve never reaches is "not reached", which JSON writes as null.
    return None if value is None or math.isinf(value) or math.isnan(value) else round(float(value), 1)


def summarise(
    events: list[dict[str, Any]],
    *,
    participants_planned: int,
    enrolment_refused: int,
    paused_by_refusal: bool,
    infusion_count: int,
) -> dict[str, Any]:
    grouped = events_by_participant(events)
    outcomes = [outcome_from_events(pid, rows) for pid, rows in grouped.items()]
    count = Counter(e["type"] for e in events)

    def participants_with(kind: EventType) -> int:
        return sum(1 for rows in grouped.values() if any(e["type"] == kind for e in rows))

    serious = {
        (e["participant_id"], e["payload"]["ae_id"])
        for e in events
        if e["type"] == EventType.ADVERSE_EVENT_RECORDED and e["payload"].get("serious")
    }
    paused_events = [e for e in events if e["type"] == EventType.TRIAL_PAUSE_CHANGED and e["payload"].get("paused")]
    responses = Counter(o.response for o in outcomes if o.infusions_given > 0)
    return {
        "participants_planned": participants_planned,
        "enrolled": participants_with(EventType.CONSENT_RECORDED),
        "enrolment_refused": enrolment_refused,
        "screen_failures": participants_with(EventType.SCREEN_FAILED),
        "eligible": participants_with(EventType.ELIGIBILITY_CONFIRMED),
        "manufacturing_failures": count[EventType.MANUFACTURING_FAILED],
        "re_biopsies": sum(
            1
            for e in events
            if e["type"] == EventType.SUPERVISOR_DECISION_RECORDED
            and e["payload"].get("decision") == DecisionKind.RE_BIOPSY
        ),
        "infused": sum(1 for o in outcomes if o.infusions_given > 0),
        "all_infusions_given": sum(1 for o in outcomes if o.infusions_given >= infusion_count),
        "infusions_given": count[EventType.INFUSION_ADMINISTERED],
        "dlt_evaluable": sum(
            1
            for rows in grouped.values()
            if any(e["type"] in (EventType.DLT_DETECTED, EventType.DLT_WINDOW_COMPLETED) for e in rows)
        ),
        "dlts": participants_with(EventType.DLT_DETECTED),
        "serious_adverse_events": len(serious),
        "protocol_deviations": count[EventType.PROTOCOL_DEVIATION_RECORDED],
        "temperature_excursions": excursion_summary(events, infusion_count),
        "manufacturing_queue": queueing_summary(queueing_rows(events)),
        "paused": bool(paused_events) or paused_by_refusal,
        "responses": {name: responses.get(name, 0) for name in RESPONSE_ORDER},
        "final_stages": dict(sorted(Counter(o.final_stage for o in outcomes).items(), key=lambda kv: str(kv[0]))),
        "pfs": pfs_median(outcomes),
        "events_in_store": len(events),
    }


def outcomes_and_check(events: list[dict[str, Any]], final: dict[str, Any]) -> tuple[list[Outcome], list[str]]:
    grouped = events_by_participant(events)
    outcomes = {pid: outcome_from_events(pid, rows) for pid, rows in grouped.items()}
    return [outcomes[pid] for pid in sorted(outcomes)], disagreements(outcomes, final)


def summary_table(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """The summary as (label, value) rows for the terminal and the README."""
    pfs = summary["pfs"]

    def days(value: float | None) -> str:
        return "not reached" if value is None else f"{value:g} days ({value / 30.4375:.1f} months)"

    low, high = pfs["ci95_days"]
    responses = ", ".join(f"{name} {n}" for name, n in summary["responses"].items())
    return [
        ("Participants arriving", str(summary["participants_planned"])),
        ("Enrolled (journeys started)", str(summary["enrolled"])),
        ("Enrolment refused by the trial", str(summary["enrolment_refused"])),
        ("Screen failures", str(summary["screen_failures"])),
        ("Manufacturing failures / re-biopsies", f"{summary['manufacturing_failures']} / {summary['re_biopsies']}"),
        ("Infused (all planned infusions)", f"{summary['infused']} ({summary['all_infusions_given']})"),
        ("DLTs / DLT-evaluable", f"{summary['dlts']} / {summary['dlt_evaluable']}"),
        ("Serious adverse events", str(summary["serious_adverse_events"])),
        ("Trial paused by the stopping rule", "yes" if summary["paused"] else "no"),
        ("Responses (infused, RECIST 1.1)", responses),
        (
            "Median PFS (95% CI)",
            f"{days(pfs['median_days'])} ({'not reached' if low is None else f'{low:g}'}-{'not reached' if high is None else f'{high:g}'} days)",
        ),
        ("PFS events / participants", f"{pfs['events']} / {pfs['participants']}"),
        ("Final stages", ", ".join(f"{stage} {n}" for stage, n in summary["final_stages"].items())),
        ("Protocol deviations", str(summary["protocol_deviations"])),
        ("Temperature excursions", excursion_row(summary["temperature_excursions"])),
        ("Eligibility to biopsy (slot queue)", queueing_row(summary["manufacturing_queue"])),
        ("Median change from baseline at response", _changes(summary.get("change_at_response", {}))),
    ]


def _changes(at_response: dict[str, Any]) -> str:
    shown = [
        f"{code} {row['median_percent_change']:+.0f} % (n={row['participants']})"
        for code, row in at_response.items()
        if row["median_percent_change"] is not None
    ]
    return ", ".join(shown) or "no values at response"
