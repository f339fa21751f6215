"""Feeding one sink from its bus subscription: batching, retry with backoff, and counters.

Each sink is fed by its own ``SinkFeeder`` task, with the sink's own batch size
and linger, so a slow sink delays only itself. A batch that fails is retried
(with backoff) rather than dropped; while it fails, newer results wait in the
sink's bounded buffer, which counts what it has to drop. Only at shutdown is a
batch given up, and then it is counted as lost.
"""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import CollectorRegistry, Counter, Histogram

from monitord.bus import Subscription
from monitord.health import HealthBoard
from monitord.results import ProbeResult
from monitord.sinks.base import Sink

log = logging.getLogger("monitord")

RETRY_FIRST = 0.25
RETRY_MAX = 10.0
IDLE_POLL = 1.0  # seconds an idle feeder waits before looking whether its buffer closed
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)


class SinkCounters:
    """The ``monitord_sink_*`` series, one set per daemon, labelled by sink."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.latency = Histogram(
            "monitord_sink_write_seconds",
            "Time to write one batch to a sink",
            ["sink"],
            buckets=BUCKETS,
            registry=registry,
        )
        self.errors = Counter(
            "monitord_sink_errors", "Batches a sink failed to write", ["sink"], registry=registry
        )
        self.points = Counter(
            "monitord_sink_points", "Results written by a sink", ["sink"], registry=registry
        )
        self.lost = Counter(
            "monitord_sink_lost",
            "Results a failing sink could not write before shutdown",
            ["sink"],
            registry=registry,
        )


class SinkFeeder:
    """Consumes one subscription into one sink until the subscription is closed and empty."""

    def __init__(
        self,
        sink: Sink,
        subscription: Subscription,
        counters: SinkCounters,
        health: HealthBoard,
        retry_first: float = RETRY_FIRST,
    ) -> None:
        self.sink = sink
        self.subscription = subscription
        self._counters = counters
        self._health = health
        self._retry_first = retry_first
        self._failing = False

    async def run(self) -> None:
        """Feed until the buffer is closed and drained (the daemon closes it at shutdown)."""
        sink, subscription = self.sink, self.subscription
        linger = sink.linger
        timeout = linger if linger > 0 else IDLE_POLL
        loop = asyncio.get_running_loop()
        while True:
            batch = await subscription.get_batch(sink.batch_size, timeout=timeout, linger=linger)
            if not batch:
                if subscription.closed and not len(subscription):
                    return
                continue
            begin = loop.time()
            if not await self._write_with_retry(batch):
                continue
            self._counters.latency.labels(sink=sink.name).observe(loop.time() - begin)
            self._counters.points.labels(sink=sink.name).inc(len(batch))
            self._health.set(f"sink:{sink.name}", True, "writing")
            if self._failing:
                self._failing = False
                log.info("sink %s writes again", sink.name)

    async def _write_with_retry(self, batch: list[ProbeResult]) -> bool:
        """Write ``batch``, retrying with backoff; False only when given up at shutdown."""
        sink = self.sink
        delay = self._retry_first
        while True:
            try:
                await sink.write(batch)
                return True
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._counters.errors.labels(sink=sink.name).inc()
                self._health.set(f"sink:{sink.name}", False, str(exc))
                if not self._failing:
                    self._failing = True
                    log.error("sink %s failed to write %d results, retrying: %s", sink.name, len(batch), exc)
                if self.subscription.closed:
                    self._counters.lost.labels(sink=sink.name).inc(len(batch))
                    log.error("sink %s: %d results not written at shutdown", sink.name, len(batch))
                    return False
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
