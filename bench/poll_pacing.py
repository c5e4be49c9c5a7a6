"""How often the live driver looks at a journey while it waits for the next step.

Under load a staff step takes seconds on the dev server. Polling each wait from 20 ms up to
250 ms sent about a hundred describes per journey, and a describe costs the dev server about
4 ms of CPU (`python -m bench.server_costs`): more than half of what the server spent on a
journey beyond the ceiling's no-op work, all of it charged to the journey in the measurement.
So once a journey has waited, its polls start at half its typical wait and then come every
quarter of it: two or three looks per wait, and a step found at most a quarter of a typical
wait late.
"""

from __future__ import annotations

from dataclasses import dataclass

# Before a journey has waited at all: quick, since on an idle stack a step takes tens of ms.
FIRST_DELAY = 0.02
MAX_DELAY = 0.25
FIRST_LOOK_OF_TYPICAL_WAIT = 0.5
LATER_LOOKS_OF_TYPICAL_WAIT = 0.25
LONGEST_DELAY = 1.0
# A wait answered at its first look says nothing about how long steps take.
SHORTEST_WAIT_LEARNT = 0.02


@dataclass
class PollPacing:
    typical_wait: float | None = None

    def delays(self) -> dict[str, float]:
        """`poll_until`'s first and longest delay for the next wait."""
        if self.typical_wait is None:
            return {"first_delay": FIRST_DELAY, "max_delay": MAX_DELAY}
        return {
            "first_delay": _bounded(FIRST_LOOK_OF_TYPICAL_WAIT * self.typical_wait),
            "max_delay": _bounded(LATER_LOOKS_OF_TYPICAL_WAIT * self.typical_wait),
        }

    def waited(self, seconds: float) -> None:
        if seconds < SHORTEST_WAIT_LEARNT:
            return
        # Half the weight on the latest wait: the load of a round changes as journeys finish.
        self.typical_wait = seconds if self.typical_wait is None else (self.typical_wait + seconds) / 2


def _bounded(seconds: float) -> float:
    return min(max(seconds, FIRST_DELAY), LONGEST_DELAY)
