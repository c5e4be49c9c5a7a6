"""Simulated time: a 15-minute grid, and the time-skipping server's clock moved along it.

The test server's clock runs at wall-clock speed between skips, so every time the
workflow records carries a few seconds of real elapsed time. The simulator plans every
action on a 15-minute grid and rounds what it reads back onto it: the jitter then never
reaches the plan, and a seed gives the same calendar on every run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from temporalio.testing import WorkflowEnvironment

from itc.drivers.skip_time import skip_time

GRID = timedelta(minutes=15)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def on_grid(moment: datetime) -> datetime:
    """The nearest grid point; the workflow's jitter is seconds, far below half a step."""
    steps = round((moment - _EPOCH) / GRID)
    return _EPOCH + steps * GRID


def days(n: float) -> timedelta:
    """A duration in days, rounded to the grid so plans stay on it."""
    return round(timedelta(days=n) / GRID) * GRID


def hours(n: float) -> timedelta:
    return days(n / 24)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


class SimClock:
    """Moves the time-skipping server's clock forward to planned moments, never back."""

    def __init__(self, env: WorkflowEnvironment) -> None:
        self._env = env

    async def now(self) -> datetime:
        return await self._env.get_current_time()

    async def advance_to(self, moment: datetime) -> None:
        now = await self.now()
        if moment > now:
            await skip_time(self._env, moment - now)
