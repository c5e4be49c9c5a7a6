"""One participant's page: live status from the workflow, plus what only the permanent
record keeps in full (every scan with its RECIST reading, every AE including resolved
ones, sample IDs for the chain of identity)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from itc.api import lab_view
from itc.api.cohort_view import DueItem, due_item
from itc.api.lab_grade_rows import LabGradeRow, lab_grade_rows
from itc.api.outcome_plot import change_plot
from itc.chain.report import ChainReport, chain_report
from itc.models.enums import EventType
from itc.models.events import JourneyEvent
from itc.models.state import JourneyStatus, TimelineEntry
from itc.rules.config import ProtocolConfig
from itc.rules.protocols import UnknownProtocolVersion, protocol_for_version


@dataclass(frozen=True)
class ScanRow:
    sequence: int
    kind: str
    scanned_at: datetime
    lesions: int
    sum_mm: float | None
    response: str | None
    change_from_baseline_percent: float | None
    new_lesions: bool


@dataclass(frozen=True)
class AdverseEventRow:
    ae_id: str
    term: str
    category: str
    grade: int | None
    attribution: str | None
    serious: bool
    onset_at: datetime | None
    resolved_at: datetime | None
    dlt: bool
    # "G3: oxygen by facemask": the clause of the standard behind the grade, where the journey gave one.
    grade_clause: str | None = None


@dataclass
class ParticipantView:
    status: JourneyStatus
    timeline: list[TimelineEntry]
    due: list[DueItem]
    scans: list[ScanRow]
    adverse_events: list[AdverseEventRow]
    sample_id: str | None = None
    product_sample_id: str | None = None
    manufacturing_deadline: datetime | None = None
    days_in_stage: int | None = None
    # Immune function and tumour markers: one small plot of the change from baseline per code.
    outcome_plots: dict[str, str] = field(default_factory=dict)
    lab_grades: list[LabGradeRow] = field(default_factory=list)
    labs: list[lab_view.LabTrend] = field(default_factory=list)
    lab_values: list[lab_view.LabValue] = field(default_factory=list)
    pre_infusion: list[lab_view.PreInfusionCheck] = field(default_factory=list)
    # Chain of identity and custody, rebuilt from the stored events.
    chain: ChainReport | None = None

    @property
    def ended(self) -> bool:
        return self.status.stage.is_terminal

    @property
    def next_infusion(self) -> int | None:
        pending = [i.number for i in self.status.infusions if i.administered_at is None and not i.skipped]
        return pending[0] if pending else None


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _scan(event: JourneyEvent) -> ScanRow:
    payload = event.payload
    recist = payload.get("recist") or {}
    return ScanRow(
        sequence=event.sequence,
        kind=str(payload.get("kind", "")),
        scanned_at=event.occurred_at,
        lesions=len(payload.get("target_lesions") or []),
        sum_mm=payload.get("sum_mm"),
        # The overall response (RECIST 1.1 Tables 1 and 2) where the scan has one, else the target response.
        response=(payload.get("overall") or recist).get("response"),
        change_from_baseline_percent=recist.get("change_from_baseline_percent"),
        new_lesions=bool(payload.get("new_lesions")),
    )


def _latest_by(events: list[JourneyEvent], kind: EventType) -> list[JourneyEvent]:
    """The last event of a kind per sequence it (transitively) corrects: a correction
    replaces what it corrects."""
    current: dict[int, JourneyEvent] = {}
    for event in events:
        if event.type is not kind:
            continue
        current.pop(event.corrects_sequence or -1, None)
        current[event.sequence] = event
    return list(current.values())


def _protocol(status: JourneyStatus, current: ProtocolConfig) -> ProtocolConfig:
    """The journey's own protocol version where this process knows it (its reference ranges
    graded the labs), else the current one."""
    try:
        return protocol_for_version(status.protocol_version)
    except UnknownProtocolVersion:
        return current


def build(
    status: JourneyStatus,
    timeline: list[TimelineEntry],
    events: list[JourneyEvent],
    now: datetime,
    protocol: ProtocolConfig,
) -> ParticipantView:
    ae_by_id: dict[str, dict[str, Any]] = {}
    for event in _latest_by(events, EventType.ADVERSE_EVENT_RECORDED):
        ae_by_id[str(event.payload.get("ae_id"))] = event.payload  # a later record of the same AE updates it
    dlt_ids = {ae.ae_id for ae in status.open_adverse_events if ae.is_dlt}
    adverse_events = [
        AdverseEventRow(
            ae_id=ae_id,
            term=str(payload.get("term", "")),
            category=str(payload.get("category", "")),
            grade=payload.get("grade"),
            attribution=payload.get("attribution"),
            serious=bool(payload.get("serious")),
            onset_at=_time(payload.get("onset_at")),
            resolved_at=_time(payload.get("resolved_at")),
            dlt=ae_id in dlt_ids,
            grade_clause=payload.get("grade_clause"),
        )
        for ae_id, payload in ae_by_id.items()
    ]
    biopsies = [e for e in events if e.type is EventType.BIOPSY_COLLECTED]
    released = [e for e in events if e.type is EventType.PRODUCT_RELEASED]
    entered = status.stage_entered_at
    journey_protocol = _protocol(status, protocol)
    values = lab_view.lab_values(events, journey_protocol)
    return ParticipantView(
        status=status,
        timeline=timeline,
        due=[due_item(status.participant_id, due, now) for due in status.next_due],
        scans=[_scan(e) for e in _latest_by(events, EventType.SCAN_RECORDED)],
        adverse_events=adverse_events,
        sample_id=biopsies[-1].payload.get("sample_id") if biopsies else None,
        product_sample_id=released[-1].payload.get("sample_id") if released else None,
        manufacturing_deadline=_time(biopsies[-1].payload.get("manufacturing_deadline")) if biopsies else None,
        days_in_stage=max(0, (now - entered).days) if entered else None,
        outcome_plots={series.code.value: change_plot(series) for series in status.outcome_series},
        lab_grades=lab_grade_rows(_latest_by(events, EventType.LAB_RESULTS_RECORDED)),
        labs=lab_view.trends(values),
        lab_values=values,
        pre_infusion=lab_view.pre_infusion_checks(status, values, journey_protocol, now),
        chain=chain_report(status.participant_id, events),
    )
