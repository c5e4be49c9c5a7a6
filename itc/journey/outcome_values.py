"""Immune function and tumour markers as values: every configured result is kept, not only the
latest, so the status can show each value's change from baseline."""

from __future__ import annotations

from itc.models.inputs import LabObservation
from itc.models.state import JourneyState, RecordedMeasurement
from itc.rules.outcome_change import MarkerSeries, Measurement, marker_series


def keep(state: JourneyState, sequence: int, results: list[LabObservation], corrects: int | None) -> None:
    """Keep the configured codes' values from lab event `sequence`; a correction replaces what it corrects."""
    tracked = set(state.protocol.outcomes.codes)
    if corrects is not None:
        state.measurements = [m for m in state.measurements if m.sequence != corrects]
    for result in results:
        if result.code in tracked and result.value is not None:
            state.measurements.append(
                RecordedMeasurement(
                    sequence=sequence, code=result.code, collected_at=result.collected_at, value=result.value
                )
            )


def series(state: JourneyState) -> list[MarkerSeries]:
    entered = state.stages_entered_at
    return marker_series(
        [Measurement(code=m.code, collected_at=m.collected_at, value=m.value) for m in state.measurements],
        state.protocol.outcomes,
        [i.administered_at for i in state.infusions if i.administered_at is not None],
        state.protocol.dosing.infusion_count,
        response_from=entered.get("response_assessment"),
        follow_up_from=entered.get("follow_up"),
    )
