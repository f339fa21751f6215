"""Where POS code reads the time: the wall clock in production, a hand-set clock in tests.

Opening hours are judged on wall-clock time; tests move a ``ManualClock`` across
closing time or into a holiday instead of sleeping for hours, while the
evaluator loop itself keeps running on real time.
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
