"""The status view: what the site owes the participant now, and what `get_state` returns."""

from __future__ import annotations

from datetime import datetime, timedelta

from itc.journey import outcome_values
from itc.journey.facts import next_milestone, open_adverse_events, pending_infusion
from itc.models.enums import Stage
from itc.models.state import DueAction, JourneyState, JourneyStatus
from itc.rules.lab_catalogue import BASELINE_ASSESSMENTS, SCREENING_LABS


def _due(action: str, label: str, due_at: datetime, window_days: int | None = None) -> DueAction:
    window = timedelta(days=window_days) if window_days is not None else None
    return DueAction(
        action=action,
        label=label,
        due_at=due_at,
        window_start=due_at - window if window is not None else None,
        window_end=due_at + window if window is not None else None,
    )


def compute_due(state: JourneyState) -> list[DueAction]:
    """Every action the site owes this participant now, soonest first."""
    due: list[DueAction] = []
    p = state.protocol
    entered = state.stage_entered_at or state.started_at
    if state.stage is Stage.SCREENING and entered is not None:
        by = entered + timedelta(days=p.screening.reminder_after_days)
        missing = [c.value for c in SCREENING_LABS if c.value not in state.labs]
        if missing:
            due.append(_due("screening_labs", "Screening labs: " + ", ".join(missing), by))
        if state.eligibility_assessment is None:
            due.append(_due("eligibility_assessment", "Eligibility assessment", by))
    elif state.stage is Stage.BASELINE and entered is not None:
        by = entered + timedelta(days=p.baseline.reminder_after_days)
        if state.baseline_scan is None:
            due.append(_due("baseline_scan", "Baseline CT with RECIST target lesions", by))
        missing = [c.value for c in BASELINE_ASSESSMENTS if c.value not in state.labs]
        if missing:
            due.append(_due("baseline_assessments", "Baseline: " + ", ".join(missing), by))
    elif state.stage is Stage.BIOPSY and state.current_biopsy is not None:
        due.append(
            _due("biopsy", f"Skin biopsy (attempt {state.current_biopsy.attempt})", state.current_biopsy.collect_by)
        )
    elif state.stage is Stage.MANUFACTURING and state.current_biopsy is not None:
        biopsy = state.current_biopsy
        if state.awaiting_decision:
            due.append(
                _due("supervisor_decision", "Supervisor decision: re-biopsy or off-study", entered or biopsy.started_at)
            )
        milestone = next_milestone(biopsy)
        if milestone is not None and milestone.expected_by is not None and not biopsy.failed:
            due.append(
                _due("manufacturing_milestone", f"Manufacturing: {milestone.milestone.value}", milestone.expected_by)
            )
    elif state.stage is Stage.INFUSION:
        if state.bags_awaiting_decision and entered is not None:
            bag = state.bags_awaiting_decision[0]
            due.append(_due("supervisor_decision", f"Supervisor decision on discarded bag {bag}", entered))
        infusion = pending_infusion(state)
        if infusion is not None and not state.dlt and not state.infusions_discontinued:
            label = f"Infusion {infusion.number}" + (" (paused trial-wide)" if state.trial_paused else "")
            due.append(_due("infusion", label, infusion.target_at, p.infusions.window_days))
    elif state.stage is Stage.RESPONSE_ASSESSMENT:
        if state.response is None and state.response_due_at is not None:
            due.append(_due("response_scan", "Week-8 response CT", state.response_due_at, p.response.window_days))
        elif state.confirmation_due_at is not None and state.confirmed_response is None:
            due.append(
                _due(
                    "confirmation_scan",
                    "Confirmation CT",
                    state.confirmation_due_at,
                    p.response.confirmation_window_days,
                )
            )
    elif state.stage is Stage.FOLLOW_UP and state.follow_up:
        cycle = state.follow_up[-1]
        if cycle.assessed_at is None and not cycle.missed:
            due.append(
                _due("follow_up_scan", f"Follow-up CT and visit {cycle.cycle}", cycle.due_at, p.follow_up.window_days)
            )
    if not state.stage.is_terminal:
        for check in state.toxicity_checks:
            if check.completed_at is None and not check.missed:
                due.append(
                    DueAction(
                        action="toxicity_check",
                        label=f"Toxicity check day +{check.day} after infusion {check.infusion_number}",
                        due_at=check.due_at,
                        window_start=check.due_at,
                        window_end=check.window_end,
                    )
                )
    for clock in state.sae_clocks:
        if clock.open:
            due.append(_due("sae_report", f"SAE report ({clock.clock}) for {clock.ae_id}", clock.due_at))
    return sorted(due, key=lambda d: d.due_at)


def build_status(state: JourneyState) -> JourneyStatus:
    open_aes = open_adverse_events(state)
    biopsy = state.current_biopsy
    return JourneyStatus(
        participant_id=state.participant_id,
        site=state.consent.site,
        protocol_version=state.protocol.version,
        stage=state.stage,
        stage_entered_at=state.stage_entered_at,
        next_due=compute_due(state),
        infusions_given=state.infusions_given,
        infusions=state.infusions,
        infusions_discontinued=state.infusions_discontinued,
        open_adverse_events=open_aes,
        worst_ae_grade=max((ae.grade for ae in state.adverse_events), default=0),
        dlt=state.dlt,
        dlt_description=state.dlt_description,
        dose_plan=state.dose_plan,
        biopsy_attempts=len(state.biopsies),
        manufacturing_milestones=biopsy.milestones if biopsy else [],
        awaiting_supervisor_decision=state.awaiting_decision or bool(state.bags_awaiting_decision),
        open_sae_clocks=[c for c in state.sae_clocks if c.open],
        response=state.response,
        confirmed_response=state.confirmed_response,
        pfs=state.pfs,
        end_reason=state.end_reason,
        failed_criteria=state.failed_criteria,
        deviations=state.deviations,
        trial_paused=state.trial_paused,
        trial_pause_reason=state.trial_pause_reason,
        last_sequence=state.last_sequence,
        run_count=state.run_count,
        outcome_series=outcome_values.series(state),
        unstored_events=state.unstored_events,
        chain_of_identity=state.chain_of_identity,
        units=state.units,
        manufacturing_slot=state.manufacturing_slot,
        bags_awaiting_decision=state.bags_awaiting_decision,
    )
