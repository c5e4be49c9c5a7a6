"""The trial page: enrolment against the target, the DLT tally against the stopping
boundary of the configured rule (table and plot), the safety pause, open SAE clocks with
their deadlines, and the protocol deviations of every journey."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from itc.api import svg
from itc.api.labels import human
from itc.models.state import JourneyStatus
from itc.models.trial import RecordSaeClockInput, TrialStatus
from itc.rules.config import ProtocolConfig, StoppingRule
from itc.rules.stopping import boin_elimination_boundary, three_plus_three_boundary

RULE_NAMES = {
    StoppingRule.BOIN_ELIMINATION: "BOIN elimination (Liu & Yuan 2015)",
    StoppingRule.THREE_PLUS_THREE: "3+3-style rule",
}


@dataclass(frozen=True)
class BoundaryRow:
    evaluable: int
    stop_at: int | None
    current: bool


@dataclass(frozen=True)
class ClockRow:
    clock: RecordSaeClockInput
    overdue: bool

    @property
    def name(self) -> str:
        return human(self.clock.clock)


@dataclass(frozen=True)
class Deviation:
    participant_id: str
    description: str


@dataclass(frozen=True)
class TrialView:
    status: TrialStatus
    rule_name: str
    boundary: list[BoundaryRow]
    plot: Markup
    clocks: list[ClockRow]
    deviations: list[Deviation]
    unanswered: list[str]

    @property
    def enrolment_percent(self) -> int:
        return round(100 * self.status.enrolled / self.status.target) if self.status.target else 0

    @property
    def at_boundary(self) -> bool:
        return self.status.boundary is not None and self.status.dlts >= self.status.boundary


def boundary_table(protocol: ProtocolConfig) -> list[tuple[int, int | None]]:
    """DLTs that stop the trial at each number of evaluable participants, up to the target."""
    stopping = protocol.safety_stopping
    rule = boin_elimination_boundary if stopping.rule is StoppingRule.BOIN_ELIMINATION else three_plus_three_boundary
    return [(n, rule(n, stopping)) for n in range(1, protocol.target_enrolment + 1)]


def build(
    status: TrialStatus, protocol: ProtocolConfig, journeys: dict[str, JourneyStatus | None], now: datetime
) -> TrialView:
    table = boundary_table(protocol)
    rule = protocol.safety_stopping.rule
    label = (
        f"Stopping boundary of the {RULE_NAMES.get(rule, human(rule))} for up to {protocol.target_enrolment} "
        f"evaluable participants; now {status.dlts} DLT(s) among {status.evaluable} evaluable"
    )
    return TrialView(
        status=status,
        rule_name=RULE_NAMES.get(rule, human(rule)),
        boundary=[BoundaryRow(n, stop, n == status.evaluable) for n, stop in table],
        plot=svg.boundary_plot(
            table, status.evaluable, status.dlts, label=label, max_evaluable=protocol.target_enrolment
        ),
        clocks=[ClockRow(clock, clock.due_at < now) for clock in status.open_sae_clocks],
        deviations=[
            Deviation(pid, description)
            for pid, journey in sorted(journeys.items())
            if journey is not None
            for description in journey.deviations
        ],
        unanswered=sorted(pid for pid, journey in journeys.items() if journey is None),
    )
