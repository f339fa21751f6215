"""The bounded buffer between probes and their consumers (sinks, alert engine).

Each consumer subscribes with its own bounded queue, so a slow database never
blocks collection or starves the alert engine. When a queue is full the oldest
results are dropped and counted (``monitord_buffer_dropped_total``), never
silently; ``publish`` itself never blocks or awaits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge

from monitord.results import ProbeResult


class Subscription:
    """One consumer's queue of results."""

    def __init__(self, name: str, maxsize: int, dropped: Counter, depth: Gauge) -> None:
        self.name = name
        self.maxsize = maxsize
        self._items: deque[ProbeResult] = deque()
        self._ready = asyncio.Event()
        self._filled = asyncio.Event()  # set when a lingering consumer's batch is full
        self._full = 0
        self._dropped = dropped.labels(consumer=name)
        depth.labels(consumer=name).set_function(lambda: len(self._items))
        self.closed = False

    def __len__(self) -> int:
        return len(self._items)

    def put_many(self, results: Iterable[ProbeResult]) -> None:
        items = self._items
        items.extend(results)
        excess = len(items) - self.maxsize
        if excess > 0:
            for _ in range(excess):
                items.popleft()
            self._dropped.inc(excess)
        if items:
            self._ready.set()
            if self._full and len(items) >= self._full:
                self._filled.set()

    async def get_batch(
        self, max_items: int, timeout: float | None = None, linger: float = 0.0
    ) -> list[ProbeResult]:
        """Up to ``max_items`` results; waits at most ``timeout`` for the first one.

        With ``linger``, a partial batch waits that long for more results, so a sink
        writes one batch per interval instead of one per result (measured: one
        SQLite transaction per result cost more than the probes themselves).
        """
        if not self._items and not self.closed:
            self._ready.clear()
            try:
                async with asyncio.timeout(timeout):
                    await self._ready.wait()
            except TimeoutError:
                return []
        if linger > 0 and len(self._items) < max_items and not self.closed:
            self._full = max_items
            self._filled.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(linger):
                    await self._filled.wait()
            self._full = 0
        items = self._items
        count = min(max_items, len(items))
        return [items.popleft() for _ in range(count)]

    def close(self) -> None:
        """Wake the consumer so it can drain what is left and stop."""
        self.closed = True
        self._ready.set()
        self._filled.set()


class ResultBus:
    """Fans every published result out to every subscription."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._subscriptions: list[Subscription] = []
        self._dropped = Counter(
            "monitord_buffer_dropped",
            "Results dropped because a consumer's buffer was full",
            ["consumer"],
            registry=registry,
        )
        self._depth = Gauge(
            "monitord_buffer_depth",
            "Results waiting in a consumer's buffer",
            ["consumer"],
            registry=registry,
        )
        self._published = Counter(
            "monitord_results_published", "Results published by probes", registry=registry
        )

    def subscribe(self, name: str, maxsize: int) -> Subscription:
        subscription = Subscription(name, maxsize, self._dropped, self._depth)
        self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscription.close()
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)

    def publish(self, results: list[ProbeResult]) -> None:
        if not results:
            return
        self._published.inc(len(results))
        for subscription in self._subscriptions:
            subscription.put_many(results)

    def depth(self) -> dict[str, int]:
        return {s.name: len(s) for s in self._subscriptions}
