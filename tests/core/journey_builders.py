"""Journey states for the core's unit tests, built directly: no workflow, no server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from itc.journey import infusion
from itc.journey.moment import Moment
from itc.models.enums import AeCategory, Attribution, Stage
from itc.models.inputs import ConsentRecord, LabObservation, RecordAdverseEventInput
from itc.models.state import AdverseEventRecord, BiopsyAttempt, JourneyState
from itc.rules.config import DEFAULT_PROTOCOL, ProtocolConfig
from itc.rules.dose import plan_dose
from itc.rules.lab_catalogue import LabCode

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WORKFLOW_ID = "journey-ITC-001"
STAFF = "nurse.rahimi"


def at(moment: datetime) -> Moment:
    return Moment(now=moment, workflow_id=WORKFLOW_ID, run_id="run-1")


def consent(**overrides: Any) -> ConsentRecord:
    values: dict[str, Any] = dict(
        participant_id="ITC-001",
        consent_date=T0.date(),
        consent_form_version="v2.1",
        date_of_birth=date(1974, 3, 2),
        sex="female",
        height_cm=165,
        weight_kg=60,
        er_status="positive",
        pr_status="negative",
        her2_status="negative",
        site="TEH-01",
        actor_id=STAFF,
        role="operations",
    )
    values.update(overrides)
    return ConsentRecord(**values)


def new_state(protocol: ProtocolConfig = DEFAULT_PROTOCOL, **consent_overrides: Any) -> JourneyState:
    return JourneyState(consent=consent(**consent_overrides), protocol=protocol)


def in_stage(state: JourneyState, stage: Stage, entered_at: datetime = T0, sequence: int = 2) -> JourneyState:
    state.stage, state.stage_entered_at, state.stage_entered_sequence = stage, entered_at, sequence
    state.last_sequence = max(state.last_sequence, sequence)
    state.started_at = state.started_at or T0
    return state


def lab(code: LabCode, value: float | None, collected_at: datetime, **extra: Any) -> LabObservation:
    return LabObservation(code=code, value=value, collected_at=collected_at, **extra)


def infused_state(
    protocol: ProtocolConfig = DEFAULT_PROTOCOL, given_at: datetime = T0, infusions_given: int = 1
) -> JourneyState:
    """In the infusion stage with a released product and `infusions_given` infusions given, two weeks apart."""
    state = in_stage(new_state(protocol), Stage.INFUSION)
    state.eligible_at = T0 - timedelta(days=150)
    state.biopsies.append(
        BiopsyAttempt(attempt=1, started_at=T0 - timedelta(days=140), collect_by=T0, sample_id="SKN-0001")
    )
    state.dose_plan = plan_dose(state.consent.height_cm, state.consent.weight_kg, protocol.dosing)
    for number in range(infusions_given):
        planned = infusion.plan(state, given_at + timedelta(days=14 * number))
        planned.prepared = True
        planned.administered_at = planned.target_at
    return state


def adverse_event(
    state: JourneyState,
    category: AeCategory,
    grade: int,
    onset_at: datetime,
    *,
    attribution: Attribution = Attribution.PROBABLE,
    resolved_at: datetime | None = None,
    serious: bool = False,
    unexpected: bool = False,
) -> AdverseEventRecord:
    ae = AdverseEventRecord(
        ae_id=f"AE-{len(state.adverse_events) + 1}",
        term="nausea" if category is AeCategory.NON_HAEMATOLOGICAL else "neutropenia",
        category=category,
        grade=grade,
        attribution=attribution,
        serious=serious,
        unexpected=unexpected,
        onset_at=onset_at,
        resolved_at=resolved_at,
        recorded_sequence=state.last_sequence + 1,
    )
    state.adverse_events.append(ae)
    return ae


def ae_input(category: AeCategory, grade: int, onset_at: datetime, **overrides: Any) -> RecordAdverseEventInput:
    values: dict[str, Any] = dict(
        actor_id=STAFF,
        term="nausea",
        category=category,
        grade=grade,
        attribution="probable",
        serious=False,
        unexpected=False,
        onset_at=onset_at,
    )
    values.update(overrides)
    return RecordAdverseEventInput(**values)


def event_types(outcome: Any) -> list[str]:
    return [e.type.value for e in outcome.events]
