"""Where the daemon's judging code reads the time: the wall clock in production,
a hand-set or shifted clock in tests.

Holds, repeats, escalations, dependency grace, auto-close and opening hours are
all judged on wall-clock seconds. Tests move a clock across them instead of
sleeping, while the loops themselves keep running on the event loop's real time.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Wall-clock seconds since the epoch (UTC)."""

    def now(self) -> float: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told to (tests, benchmarks)."""

    def __init__(self, start: float | datetime) -> None:
        self._now = start.timestamp() if isinstance(start, datetime) else float(start)

    def now(self) -> float:
        return self._now

    def set(self, when: float | datetime) -> None:
        self._now = when.timestamp() if isinstance(when, datetime) else float(when)

    def advance(self, seconds: float) -> None:
        self._now += seconds


class ShiftedClock:
    """The real clock plus an offset that only grows: time runs on by itself, and a test
    jumps it forward past a wait (a group interval, a repeat, a day of quiet).

    Probe results keep their real timestamps, so they are never "from the future"
    for an engine that reads this clock.
    """

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a shifted clock only moves forward")
        self.offset += seconds
