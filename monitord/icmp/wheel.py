"""A timing wheel: every echo round and every batch deadline of the engine on one timer.

With 10,000 targets each sending 5 echoes, a timer per round and per deadline
means 6,000 event-loop timers a second, each a heap push and pop among the
scheduler's 10,000 job timers. The wheel groups them into ticks of ``TICK``
seconds: one loop timer per tick that has work, whatever the number of targets.
Work runs at most one tick late, which echo spacing and timeouts tolerate.
"""

from __future__ import annotations

import asyncio
import heapq
import math
from collections.abc import Callable

TICK = 0.005


class Wheel:
    """Runs callbacks at (or just after) a loop time, batched per tick."""

    def __init__(self, loop: asyncio.AbstractEventLoop, tick: float = TICK) -> None:
        self._loop = loop
        self._tick = tick
        self._slots: dict[int, list[Callable[[], None]]] = {}
        self._order: list[int] = []
        self._armed: int | None = None
        self._handle: asyncio.TimerHandle | None = None

    def at(self, when: float, callback: Callable[[], None]) -> None:
        """Run ``callback`` at loop time ``when`` (rounded up to the next tick)."""
        slot = math.ceil(when / self._tick)
        bucket = self._slots.get(slot)
        if bucket is None:
            self._slots[slot] = bucket = []
            heapq.heappush(self._order, slot)
            if self._armed is None or slot < self._armed:
                self._arm(slot)
        bucket.append(callback)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._slots.clear()
        self._order.clear()
        self._armed = None

    def _arm(self, slot: int) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._armed = slot
        self._handle = self._loop.call_at(slot * self._tick, self._fire)

    def _fire(self) -> None:
        self._handle = None
        self._armed = None
        # asyncio fires a timer up to its clock resolution early: allow for it.
        now_slot = math.floor((self._loop.time() + 1e-6) / self._tick)
        order = self._order
        while order and order[0] <= now_slot:
            for callback in self._slots.pop(heapq.heappop(order)):
                callback()
        if order:
            self._arm(order[0])
