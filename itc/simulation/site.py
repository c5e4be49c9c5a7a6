"""The simulated site, lab and supervisor deciding what to do next for one participant.

Everything is read from the journey's own status (its `next_due` list, stage, infusions,
open AEs and SAE clocks) and answered from the participant's fate, so the workflow stays
the judge of what is due; the simulator only decides when the people involved act.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from itc.journey.facts import add_months
from itc.models.enums import AeCategory, DecisionKind, Stage
from itc.models.state import DueAction, JourneyStatus
from itc.rules.config import ProtocolConfig
from itc.simulation.clock import days, hours, midnight, on_grid
from itc.simulation.participant import SimParticipant

# How long the simulator leaves a participant alone when nothing is due (a hold, the wait
# for the end of follow-up): it looks again then, because workflow timers change the status.
REVIEW_EVERY = timedelta(days=14)
# A refused action is tried again a day later, at most this many times.
MAX_TRIES = 3


@dataclass(frozen=True, order=True)
class Planned:
    at: datetime
    kind: str
    key: str
    args: tuple[Any, ...] = field(default=(), compare=False)

    @property
    def is_stage_work(self) -> bool:
        return self.kind not in ("death", "withdrawal", "sae_ack", "resolve_ae", "review")


def plan(p: SimParticipant, now: datetime, protocol: ProtocolConfig) -> list[Planned]:
    """Everything this participant's people will do next, soonest first."""
    status = p.status
    assert status is not None
    planned = _sae_acknowledgements(p, status)
    if status.stage.is_terminal:
        # Only the supervisor's SAE reports remain: the journey waits for them to close.
        return _not_before(planned, now)
    fate = p.fate
    planned.append(Planned(fate.dies_at, "death", "death"))
    if fate.withdraws_at is not None:
        planned.append(Planned(fate.withdraws_at, "withdrawal", "withdrawal"))
    planned += _ae_resolutions(p, status, now)
    planned += _toxicity_checks(p, status, protocol)
    planned += _stage_work(p, status, now, protocol)
    planned = [item for item in planned if _still_worth_trying(p, item)]
    if not any(item.is_stage_work for item in planned):
        planned.append(Planned(now + REVIEW_EVERY, "review", f"review/{now.isoformat()}"))
    return _not_before(planned, now)


def _not_before(planned: list[Planned], now: datetime) -> list[Planned]:
    # Something already overdue is done now, not in the past.
    return sorted(Planned(max(item.at, now), item.kind, item.key, item.args) for item in planned)


def _still_worth_trying(p: SimParticipant, item: Planned) -> bool:
    return p.refused_keys.get(item.key, 0) < MAX_TRIES


def _due(status: JourneyStatus, action: str) -> DueAction | None:
    return next((d for d in status.next_due if d.action == action), None)


def _sae_acknowledgements(p: SimParticipant, status: JourneyStatus) -> list[Planned]:
    return [
        Planned(
            on_grid(clock.started_at) + p.fate.sae_acknowledgement_delay(clock.ae_id, clock.clock),
            "sae_ack",
            f"sae/{clock.ae_id}/{clock.clock}",
            (clock.ae_id, clock.clock),
        )
        for clock in status.open_sae_clocks
    ]


def _ae_resolutions(p: SimParticipant, status: JourneyStatus, now: datetime) -> list[Planned]:
    planned = []
    open_ids = {ae.ae_id: ae for ae in status.open_adverse_events}
    for ae_id, recorded in p.open_aes.items():
        if ae_id not in open_ids:
            continue
        planned.append(Planned(recorded.resolves_at, "resolve_ae", f"resolve/{ae_id}", (ae_id,)))
        ae = open_ids[ae_id]
        if ae.category is AeCategory.HAEMATOLOGICAL and ae.grade == 4:
            # The workflow's own timer turns a long grade-4 cytopenia into a DLT; look then.
            check = on_grid(ae.onset_at) + timedelta(days=7) + hours(1)
            if now < check < recorded.resolves_at:
                planned.append(Planned(check, "review", f"review/{ae_id}/dlt"))
    return planned


def _toxicity_checks(p: SimParticipant, status: JourneyStatus, protocol: ProtocolConfig) -> list[Planned]:
    planned = []
    for due in status.next_due:
        if due.action != "toxicity_check":
            continue
        found = _which_check(status, on_grid(due.due_at), protocol)
        if found is None:
            continue
        number, day = found
        has_ae = any(t.check_day == day for t in p.fate.toxicities(number, protocol.infusions.toxicity_check_days))
        if p.fate.misses_toxicity_check(number, day) and not has_ae:
            continue  # the workflow records the missed check when its window closes
        planned.append(
            Planned(
                on_grid(due.due_at) + p.fate.check_delay(number, day),
                "toxicity_check",
                f"check/{number}/{day}",
                (number, day),
            )
        )
    return planned


def _which_check(status: JourneyStatus, due_at: datetime, protocol: ProtocolConfig) -> tuple[int, int] | None:
    for infusion in status.infusions:
        if infusion.administered_at is None:
            continue
        for day in protocol.infusions.toxicity_check_days:
            if on_grid(infusion.administered_at) + timedelta(days=day) == due_at:
                return infusion.number, day
    return None


def _stage_work(p: SimParticipant, status: JourneyStatus, now: datetime, protocol: ProtocolConfig) -> list[Planned]:
    fate, stage = p.fate, status.stage
    entered = on_grid(status.stage_entered_at or now)
    if stage is Stage.SCREENING:
        return [Planned(entered + fate.screening_delay(), "screen", "screen")]
    if stage is Stage.BASELINE:
        return [Planned(entered + fate.baseline_delay(), "baseline", "baseline")]
    if stage is Stage.BIOPSY:
        slot = status.manufacturing_slot
        if slot.adopted and slot.held is None:
            # Queued for a manufacturing slot: the journey books the biopsy once one frees; look daily.
            return [Planned(now + days(1), "review", f"slot-queue/{now.isoformat()}")]
        attempt = status.biopsy_attempts
        due = _due(status, "biopsy")
        if slot.held is not None:
            # Collected within the slot's week, once the slot was found.
            entered = max(entered, on_grid(slot.held.reserved_at), midnight(slot.held.week_start))
        at = entered + fate.biopsy_delay(attempt)
        if due is not None:
            at = min(at, on_grid(due.due_at) - hours(1))
        return [Planned(at, "biopsy", f"biopsy/{attempt}", (attempt,))]
    if stage is Stage.MANUFACTURING:
        return _manufacturing(p, status, now, protocol)
    if stage is Stage.INFUSION:
        return _infusion(p, status, now, protocol)
    if stage is Stage.RESPONSE_ASSESSMENT:
        response = _due(status, "response_scan")
        if response is not None:
            return [
                Planned(on_grid(response.due_at) + fate.scan_offset("week8"), "scan", "scan/response", ("response",))
            ]
        confirmation = _due(status, "confirmation_scan")
        if confirmation is not None:
            return [
                Planned(
                    on_grid(confirmation.due_at) + fate.confirmation_delay(),
                    "scan",
                    "scan/confirmation",
                    ("confirmation",),
                )
            ]
        return []
    if stage is Stage.FOLLOW_UP:
        follow_up = _due(status, "follow_up_scan")
        if follow_up is None:
            # Waiting for the end of follow-up: the workflow completes the journey by itself then.
            first = status.infusions[0].administered_at if status.infusions else None
            if first is not None:
                ends = add_months(on_grid(first), protocol.follow_up.duration_months) + hours(1)
                if ends > now:
                    return [Planned(ends, "review", "review/end_of_follow_up")]
            return []
        due_at = on_grid(follow_up.due_at)
        if fate.misses_follow_up(due_at):
            closes = on_grid(follow_up.window_end or due_at) + hours(1)
            return [Planned(closes, "review", f"review/missed/{due_at.date()}")]
        return [
            Planned(
                due_at + fate.scan_offset(f"follow_up/{due_at.date()}"),
                "scan",
                f"scan/follow_up/{due_at.date()}",
                ("follow_up",),
            )
        ]
    return []


def _manufacturing(p: SimParticipant, status: JourneyStatus, now: datetime, protocol: ProtocolConfig) -> list[Planned]:
    fate = p.fate
    attempt = status.biopsy_attempts
    milestones = status.manufacturing_milestones
    failed = any(m.succeeded is False for m in milestones)
    planned: list[Planned] = []
    if status.awaiting_supervisor_decision:
        why = "failed" if failed else "deadline"
        key = f"decision/{attempt}/{why}"
        if failed:
            rebiopsies_left = attempt - 1 < protocol.manufacturing.max_rebiopsies
            decision = (
                DecisionKind.RE_BIOPSY if rebiopsies_left and fate.rebiopsy_chosen(attempt) else DecisionKind.OFF_STUDY
            )
        else:
            decision = DecisionKind.CONTINUE_MANUFACTURING
        planned.append(Planned(p.seen(key, now) + fate.decision_delay(key), "decision", key, (decision, why)))
    if failed:
        return planned
    upcoming = next((m for m in milestones if m.occurred_at is None), None)
    if upcoming is None:
        return planned
    done = [m.occurred_at for m in milestones if m.occurred_at is not None]
    previous = on_grid(done[-1]) if done else p.biopsy_collected_at[attempt]
    at = previous + fate.milestone_duration(attempt, upcoming.milestone)
    succeeds = fate.failing_milestone(attempt) is not upcoming.milestone
    planned.append(
        Planned(
            at, "milestone", f"milestone/{attempt}/{upcoming.milestone.value}", (attempt, upcoming.milestone, succeeds)
        )
    )
    deadline = p.biopsy_collected_at[attempt] + days(protocol.manufacturing.overall_deadline_days) + hours(1)
    if now < deadline < at:
        # The workflow escalates the overall deadline on its own timer; the supervisor looks then.
        planned.append(Planned(deadline, "review", f"review/deadline/{attempt}"))
    return planned


def _infusion(p: SimParticipant, status: JourneyStatus, now: datetime, protocol: ProtocolConfig) -> list[Planned]:
    fate = p.fate
    if p.paused_since is not None:
        # Acting as a supervisor who does not resume a paused trial: the participant goes off study.
        at = p.paused_since + days(fate.params.off_study_days_after_pause)
        return [Planned(at, "decision", "decision/paused", (DecisionKind.OFF_STUDY, "paused"))]
    if status.bags_awaiting_decision:
        return [_bag_decision(p, status, now, protocol)]
    pending = next((i for i in status.infusions if i.administered_at is None), None)
    if pending is None or status.dlt or status.infusions_discontinued:
        return []
    threshold = protocol.infusions.hold_grade_threshold
    if any(ae.category is not AeCategory.HAEMATOLOGICAL and ae.grade >= threshold for ae in status.open_adverse_events):
        return []  # held: the infusion is re-planned once the toxicity resolves
    target = on_grid(pending.target_at)
    key = f"infusion/{pending.number}"
    base = max(target, p.seen(f"{key}/{target.isoformat()}", now))
    at = min(base + fate.infusion_delay(pending.number, target), max(base, on_grid(pending.window_end) - hours(1)))
    tries = p.refused_keys.get(key, 0)
    if tries:
        at = max(at, p.refusals[-1].at + timedelta(days=1))
    return [Planned(at, "infusion", key, (pending.number,))]


def _bag_decision(p: SimParticipant, status: JourneyStatus, now: datetime, protocol: ProtocolConfig) -> Planned:
    """The supervisor has a discarded bag re-made from the banked line while the protocol allows, else stops infusions."""
    bag = status.bags_awaiting_decision[0]
    remade = sum(1 for unit in status.units if unit.for_infusion is not None)
    decision = (
        DecisionKind.REMANUFACTURE_BAG
        if remade < protocol.custody.max_bag_remanufactures
        else DecisionKind.STOP_INFUSIONS
    )
    key = f"decision/bag/{bag}"
    return Planned(p.seen(key, now) + p.fate.decision_delay(key), "decision", key, (decision, "bag_discarded"))
