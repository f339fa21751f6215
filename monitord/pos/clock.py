"""Where POS code reads the time (see ``monitord.clock``): opening hours are judged
on wall-clock time; tests move a ``ManualClock`` across closing time or into a
holiday instead of sleeping for hours."""

from __future__ import annotations

from monitord.clock import Clock, ManualClock, SystemClock

__all__ = ["Clock", "ManualClock", "SystemClock"]
