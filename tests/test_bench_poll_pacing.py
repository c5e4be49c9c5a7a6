"""The live driver's polls: quick before it knows how long a step takes, then paced by its waits."""

from __future__ import annotations

from bench.poll_pacing import FIRST_DELAY, LONGEST_DELAY, MAX_DELAY, PollPacing


def test_before_any_wait_the_driver_polls_quickly() -> None:
    assert PollPacing().delays() == {"first_delay": FIRST_DELAY, "max_delay": MAX_DELAY}


def test_after_a_wait_polls_start_at_half_of_it_then_come_every_quarter() -> None:
    pacing = PollPacing()
    pacing.waited(1.2)
    assert pacing.delays() == {"first_delay": 0.6, "max_delay": 0.3}


def test_the_typical_wait_follows_the_latest_waits() -> None:
    pacing = PollPacing()
    pacing.waited(1.2)
    pacing.waited(0.4)
    assert pacing.typical_wait == 0.8


def test_a_wait_answered_at_first_look_teaches_nothing() -> None:
    pacing = PollPacing()
    pacing.waited(1.2)
    pacing.waited(0.003)
    assert pacing.typical_wait == 1.2


def test_delays_stay_within_bounds() -> None:
    slow, fast = PollPacing(), PollPacing()
    slow.waited(60.0)
    fast.waited(0.03)
    assert slow.delays() == {"first_delay": LONGEST_DELAY, "max_delay": LONGEST_DELAY}
    assert fast.delays() == {"first_delay": FIRST_DELAY, "max_delay": FIRST_DELAY}
