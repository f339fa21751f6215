"""The InfluxDB sink: line protocol straight to the server, the spool when it is away.

``write`` serialises the batch and, while the server answers, sends it at once
(chunks of ``batch_size`` points, up to four requests side by side);
when a send fails retryably (or the server is already known to be down) the
batch goes to the durable spool instead, and ``write`` returns once it is
there. A background drainer delivers the spool oldest first with backoff and,
after recovery, at full speed: live batches keep going straight to the server
beside it, so a long backlog never holds fresh data back.

With ``flush_interval > 0``, batches smaller than ``batch_size`` are held in
memory up to that long and sent together; those are not acknowledged until
then (like results still in the daemon's buffer). ``stop`` sends or spools
whatever is held, stops the drainer and closes the spool; what is left in the
spool is delivered after the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from prometheus_client import CollectorRegistry

from monitord.config.influx import InfluxConfig
from monitord.errors import RetryableError, StartupError
from monitord.health import HealthBoard
from monitord.results import ProbeResult
from monitord.sinks.influx.delivery import Backoff, Deliverer
from monitord.sinks.influx.lineproto import Encoded, LineEncoder
from monitord.sinks.influx.metrics import InfluxMetrics
from monitord.sinks.influx.spool import Spool, SpoolBatch
from monitord.sinks.influx.transports import Transport, open_transport

log = logging.getLogger("monitord.sinks.influx")

SPOOL_DIRECTORY = "influx-spool"
_DRAIN_MAX_BYTES = 8 * 1024 * 1024
# Requests one write() keeps open at once: a big batch from the daemon's buffer is cut
# into batch_size chunks that travel side by side, so the server's parse time overlaps.
MAX_IN_FLIGHT = 4


class InfluxSink:
    """Writes probe results to InfluxDB (v2 or v1 API) or VictoriaMetrics."""

    name = "influxdb"

    def __init__(
        self,
        config: InfluxConfig,
        state_dir: Path,
        registry: CollectorRegistry,
        health: HealthBoard | None = None,
        transport: Transport | None = None,
    ) -> None:
        self.config = config
        # The feeder hands over up to one request's worth of points; a partial batch waits
        # ``flush_interval`` (0: none) for more. Never the embedded store's settings.
        self.batch_size = config.batch_size
        self.linger = config.flush_interval
        self.health = health
        self.metrics = InfluxMetrics(registry)
        self.encoder = LineEncoder(config.api, config.precision)
        self.spool = Spool(state_dir / SPOOL_DIRECTORY, config.spool_max_bytes, fsync=config.spool_fsync)
        self.transport = transport or open_transport(config)
        self.deliverer = Deliverer(self.transport, self.metrics, gzip=config.gzip)
        self.backoff = Backoff(config.retry_initial, config.retry_max)
        self.metrics.spool_bytes.set_function(lambda: self.spool.size_bytes)
        self.metrics.spool_points.set_function(lambda: self.spool.points)
        self._online = True
        self._resume_at = 0.0  # loop time before which the drainer does not try again
        self._spooled = asyncio.Event()
        self._drainer: asyncio.Task[None] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._held: list[Encoded] = []
        self._held_points = 0
        self._lock = asyncio.Lock()
        self._in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._reported = (0, 0, 0)  # spool-full, corrupt, unwritable counts already exported

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        try:
            await asyncio.to_thread(self.spool.open)
        except OSError as exc:
            raise StartupError(
                f"storage.influxdb: cannot open the spool {self.spool.directory}: {exc.strerror or exc}"
            ) from exc
        if self.spool.points:
            log.info(
                "InfluxDB spool holds %d points (%d bytes) from before; delivering them",
                self.spool.points,
                self.spool.size_bytes,
            )
            self._spooled.set()
        self._set_health()
        self._drainer = asyncio.create_task(self._drain(), name="influx-drain")
        if self.config.flush_interval > 0:
            self._flusher = asyncio.create_task(self._flush_periodically(), name="influx-flush")

    async def write(self, batch: Sequence[ProbeResult]) -> None:
        """Return once the batch is delivered or durably spooled (or held, see flush_interval)."""
        size = self.config.batch_size
        if self._flusher is None:
            if len(batch) <= size:
                for chunk in self.encoder.encode(batch, size):
                    await self._accept(chunk)
            else:
                # Serialise one chunk at a time and start sending it, yielding in between,
                # so a big batch neither blocks the loop for long nor waits to be sent.
                async with asyncio.TaskGroup() as group:
                    for start in range(0, len(batch), size):
                        for chunk in self.encoder.encode(batch[start : start + size], size):
                            group.create_task(self._accept_limited(chunk))
                        await asyncio.sleep(0)
            self._export_counts()
            return
        chunks = self.encoder.encode(batch, size)
        self._export_counts()
        async with self._lock:
            self._held.extend(chunks)
            self._held_points += sum(chunk.points for chunk in chunks)
            if self._held_points >= self.config.batch_size:
                await self._flush_held()

    async def stop(self) -> None:
        """Send or spool what is held, stop background work, close the spool."""
        for task in (self._flusher, self._drainer):
            if task is not None:
                task.cancel()
                await asyncio.wait([task])
        self._flusher = self._drainer = None
        async with self._lock:
            await self._flush_held()
        await asyncio.to_thread(self.spool.close)
        await self.transport.close()
        self._export_counts()
        if self.spool.points:
            log.info("InfluxDB spool keeps %d points for the next start", self.spool.points)

    # -- the live path ------------------------------------------------------------------

    async def _accept_all(self, chunks: list[Encoded]) -> None:
        """Send the chunks of one batch side by side (up to MAX_IN_FLIGHT requests)."""
        if len(chunks) == 1:
            await self._accept(chunks[0])
            return
        async with asyncio.TaskGroup() as group:
            for chunk in chunks:
                group.create_task(self._accept_limited(chunk))

    async def _accept_limited(self, chunk: Encoded) -> None:
        async with self._in_flight:
            await self._accept(chunk)

    async def _accept(self, chunk: Encoded) -> None:
        if self._online:
            try:
                await self.deliverer.deliver(chunk.body, chunk.points)
                return
            except RetryableError as exc:
                self.metrics.batches_retried.inc()
                self._went_offline(exc)
                # The drainer makes the next attempt; it waits as long as a first retry would.
                self._resume_at = asyncio.get_running_loop().time() + self.backoff.delay(1, exc.retry_after)
        await asyncio.to_thread(self.spool.append, chunk.body, chunk.points)
        self.metrics.points_spooled.inc(chunk.points)
        self._export_counts()
        self._spooled.set()

    async def _flush_held(self) -> None:
        held, self._held, self._held_points = self._held, [], 0
        if not held:
            return
        merged: list[Encoded] = []
        bodies: list[bytes] = []
        points = 0
        for chunk in held:
            if points and points + chunk.points > self.config.batch_size:
                merged.append(Encoded(b"\n".join(bodies), points))
                bodies, points = [], 0
            bodies.append(chunk.body)
            points += chunk.points
        merged.append(Encoded(b"\n".join(bodies), points))
        await self._accept_all(merged)

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.config.flush_interval)
            async with self._lock:
                await self._flush_held()

    # -- the spool path -----------------------------------------------------------------

    async def _drain(self) -> None:
        """Deliver the spool oldest first; a bug or a disk error pauses it, never ends it."""
        failures = 0
        while True:
            try:
                await self._drain_loop()
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                log.exception("InfluxDB spool drainer failed; retrying")
                await asyncio.sleep(self.backoff.delay(failures))

    async def _drain_loop(self) -> None:
        attempt = 0
        while True:
            self._spooled.clear()
            if not self.spool.points:
                await self._spooled.wait()
                continue
            batch: SpoolBatch | None = await asyncio.to_thread(
                self.spool.peek, self.config.batch_size, _DRAIN_MAX_BYTES
            )
            self._export_counts()
            if batch is None:
                continue
            wait = self._resume_at - asyncio.get_running_loop().time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                await self.deliverer.deliver(batch.body(), batch.points)
            except RetryableError as exc:
                attempt += 1
                self.metrics.batches_retried.inc()
                self._went_offline(exc)
                self._resume_at = asyncio.get_running_loop().time() + self.backoff.delay(
                    attempt, exc.retry_after
                )
                continue
            attempt = 0
            await asyncio.to_thread(self.spool.ack, batch)
            self._came_online()

    # -- state --------------------------------------------------------------------------

    def _went_offline(self, exc: RetryableError) -> None:
        if self._online:
            log.warning(
                "InfluxDB write failed (%s); spooling under %s until it recovers", exc, self.spool.directory
            )
            self._online = False
        self._set_health(str(exc))

    def _came_online(self) -> None:
        if not self._online:
            log.info("InfluxDB writes again; draining %d spooled points", self.spool.points)
            self._online = True
        self._set_health()

    def _set_health(self, problem: str | None = None) -> None:
        if self.health is None:
            return
        if self._online:
            self.health.set("influxdb", True, f"writing to {self.config.url}")
        else:
            self.health.set("influxdb", False, f"unreachable ({problem}); spooling")

    def _export_counts(self) -> None:
        counts = (
            self.spool.counters.dropped_points,
            self.spool.counters.corrupt_points,
            self.encoder.skipped,
        )
        for reason, now, before in zip(
            ("spool_full", "corrupt", "unwritable"), counts, self._reported, strict=True
        ):
            if now > before:
                self.metrics.points_dropped.labels(reason=reason).inc(now - before)
        self._reported = counts
