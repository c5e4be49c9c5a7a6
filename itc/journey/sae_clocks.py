"""SAE reporting clocks: started by a serious event, acknowledged by a supervisor, escalated when overdue.

Every serious event owes the sponsor a report; an unexpected, related one is also a
SUSAR, due sooner when fatal or life-threatening. The clocks outlive the journey's end.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itc.journey.journal import Journal
from itc.models.enums import DecisionKind, EventType, Recipient, SaeClockFamily, SaeClockKind
from itc.models.inputs import RecordSupervisorDecisionInput
from itc.models.state import AdverseEventRecord, JourneyState, SaeClock
from itc.rules.config import SaeClocks

# The supervisor's report closes the clocks of one family.
FAMILY_REPORTED_BY: dict[DecisionKind, SaeClockFamily] = {
    DecisionKind.SAE_REPORTED_TO_SPONSOR: SaeClockFamily.SPONSOR,
    DecisionKind.SUSAR_REPORTED: SaeClockFamily.SUSAR,
}

_LIFE_THREATENING_GRADE = 4


def duration(kind: SaeClockKind, cfg: SaeClocks) -> timedelta:
    if kind is SaeClockKind.SPONSOR:
        return timedelta(hours=cfg.sponsor_notification_hours)
    if kind is SaeClockKind.SUSAR_FATAL_OR_LIFE_THREATENING:
        return timedelta(days=cfg.susar_fatal_or_life_threatening_days)
    return timedelta(days=cfg.susar_other_days)


def clocks_owed(ae: AdverseEventRecord) -> list[SaeClockKind]:
    owed = [SaeClockKind.SPONSOR]
    if ae.unexpected and ae.attribution.at_least_possibly_related:
        owed.append(
            SaeClockKind.SUSAR_FATAL_OR_LIFE_THREATENING
            if fatal_or_life_threatening(ae.grade)
            else SaeClockKind.SUSAR_OTHER
        )
    return owed


def start(journal: Journal, ae: AdverseEventRecord, upgrades: bool = False) -> None:
    """Start the clocks a serious event owes (an update never restarts one).

    Without `upgrades`, one clock per family and event, from now. With it (ICH E2A III.A),
    one clock per kind: an event upgraded to fatal or life-threatening owes the 7-day report
    even while its 15-day clock runs, and each clock runs from when the site first knew the
    event qualified for it. The 7-day report covers a later downgrade.
    """
    state, now = journal.state, journal.now
    for kind in clocks_owed(ae):
        started_at = now
        if upgrades:
            if _has_clock(state, ae, kind) or (
                kind is SaeClockKind.SUSAR_OTHER and _has_clock(state, ae, SaeClockKind.SUSAR_FATAL_OR_LIFE_THREATENING)
            ):
                continue
            started_at = qualified_at(ae, kind) or now
        elif any(c.ae_id == ae.ae_id and c.clock.family is kind.family for c in state.sae_clocks):
            continue
        clock = SaeClock(
            ae_id=ae.ae_id, clock=kind, started_at=started_at, due_at=started_at + duration(kind, state.protocol.sae)
        )
        state.sae_clocks.append(clock)
        journal.report_sae_clock(clock, "open")
        seq = journal.emit(
            EventType.SAE_CLOCK_STARTED,
            {"ae_id": ae.ae_id, "clock": kind.value, "due_at": clock.due_at.isoformat()},
            summary=f"SAE clock {kind.value} for {ae.ae_id} due {clock.due_at.isoformat()}",
        )
        journal.notify(
            Recipient.SUPERVISOR,
            "sae_clock_started",
            f"SAE {ae.ae_id}: {kind.value} report due",
            f"Report {ae.ae_id} ({kind.value}) by {clock.due_at.isoformat()}.",
            cause=seq,
            urgent=True,
        )


def _has_clock(state: JourneyState, ae: AdverseEventRecord, kind: SaeClockKind) -> bool:
    return any(c.ae_id == ae.ae_id and c.clock is kind for c in state.sae_clocks)


def qualified_at(ae: AdverseEventRecord, kind: SaeClockKind) -> datetime | None:
    """When the site first knew the event qualified for `kind`'s report, from its seriousness changes."""
    for change in ae.seriousness_changes:
        if not change.serious:
            continue
        if kind.family is SaeClockFamily.SUSAR and change.susar is False:
            continue
        if kind is SaeClockKind.SUSAR_FATAL_OR_LIFE_THREATENING and not change.fatal_or_life_threatening:
            continue
        return change.known_at
    return None


def fatal_or_life_threatening(grade: int) -> bool:
    """CTCAE v5: grade 4 is life-threatening, grade 5 is death."""
    return grade >= _LIFE_THREATENING_GRADE


def open_clocks_reported_by(state: JourneyState, decision: DecisionKind, ae_id: str | None) -> list[SaeClock]:
    family = FAMILY_REPORTED_BY[decision]
    return [c for c in state.sae_clocks if c.ae_id == ae_id and c.clock.family is family and c.open]


def acknowledge(journal: Journal, inp: RecordSupervisorDecisionInput) -> None:
    for clock in open_clocks_reported_by(journal.state, inp.decision, inp.ae_id):
        clock.acknowledged_at = journal.now
        journal.report_sae_clock(clock, "acknowledged")
        journal.emit(
            EventType.SAE_CLOCK_ACKNOWLEDGED,
            {"ae_id": clock.ae_id, "clock": clock.clock.value, "on_time": clock.acknowledged_at <= clock.due_at},
            action=inp,
            summary=f"SAE clock {clock.clock.value} for {clock.ae_id} acknowledged",
        )


def run_clocks(journal: Journal) -> None:
    """Escalate every clock past due and not acknowledged, to the supervisor and the sponsor."""
    now = journal.now
    for clock in journal.state.sae_clocks:
        if clock.open and clock.escalated_at is None and now >= clock.due_at:
            clock.escalated_at = now
            journal.report_sae_clock(clock, "escalated")
            cause = journal.emit(
                EventType.SAE_CLOCK_ESCALATED,
                {"ae_id": clock.ae_id, "clock": clock.clock.value, "due_at": clock.due_at.isoformat()},
                summary=f"SAE clock {clock.clock.value} for {clock.ae_id} overdue",
            )
            for recipient in (Recipient.SUPERVISOR, Recipient.SPONSOR):
                journal.notify(
                    recipient,
                    "sae_clock_overdue",
                    f"OVERDUE: {clock.clock.value} report for {clock.ae_id}",
                    f"The {clock.clock.value} report for {clock.ae_id} was due {clock.due_at.isoformat()} and is not acknowledged.",
                    cause=cause,
                    urgent=True,
                )


def deadlines(state: JourneyState) -> list[datetime]:
    return [c.due_at for c in state.sae_clocks if c.open and c.escalated_at is None]


def settled(state: JourneyState) -> bool:
    """Every clock acknowledged or escalated: nothing left for the journey to watch."""
    return all(not c.open or c.escalated_at is not None for c in state.sae_clocks)
