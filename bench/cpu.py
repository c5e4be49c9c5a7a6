"""CPU seconds spent by each part of the stack during a phase, read from /proc.

On a 2-core machine the driver, the worker, the Temporal server and PostgreSQL compete
for the same cores; where the CPU went says more than wall time about what to fix.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may contain spaces; everything after its closing paren is fixed.
    return text[text.rindex(")") + 2 :].split()


def process_seconds(pid: int) -> float:
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _TICKS


def descendants(root: int) -> list[int]:
    """`root` and every live process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def pids_with_argument(argument: str) -> list[int]:
    """Processes whose command line contains `argument` (our own dev server's db path)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if argument in cmdline:
            found.append(int(entry.name))
    return found


def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has used (all cores), from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, iowait = fields[3], fields[4]
    return (sum(fields[:8]) - idle - iowait) / _TICKS


class CpuMeter:
    """Sums CPU seconds per named group of processes between `start()` and `stop()`, and
    what everything else on the machine used meanwhile ("other": noise in the figures)."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        self._groups = groups
        self._before: dict[str, dict[int, float]] = {}
        self._machine_before = 0.0

    def _sample(self) -> dict[str, dict[int, float]]:
        return {name: {pid: process_seconds(pid) for pid in find()} for name, find in self._groups.items()}

    def start(self) -> None:
        self._before = self._sample()
        self._machine_before = machine_busy_seconds()

    def stop(self) -> dict[str, float]:
        after = self._sample()
        spent = {}
        for name, pids in after.items():
            before = self._before.get(name, {})
            # A process born during the phase counts from zero.
            spent[name] = round(sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in pids.items()), 3)
        machine = machine_busy_seconds() - self._machine_before
        spent["other"] = round(max(0.0, machine - sum(spent.values())), 3)
        return spent
