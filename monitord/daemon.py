"""The daemon's lifecycle: start every component in order, reload atomically, drain on stop.

Start: state store -> probe kinds -> sinks -> subsystems -> scheduler -> HTTP ->
READY=1. SIGHUP parses the whole file off the loop and swaps it in only if it is
valid (a bad file keeps the running config and says why). SIGTERM stops the
HTTP listener and the scheduler, lets every consumer drain its buffer, flushes
the sinks and exits within ``daemon.shutdown_timeout``.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
from collections.abc import Sequence

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

from monitord.bus import ResultBus, Subscription
from monitord.config.loader import LoadedConfig, load_config
from monitord.errors import ConfigError, StartupError
from monitord.health import HealthBoard
from monitord.results import ProbeResult
from monitord.scheduler import Scheduler
from monitord.services import SERVICE_FACTORIES, SINK_FACTORIES, Service
from monitord.sinks.base import Sink
from monitord.store.engine import StateStore
from monitord.systemd import Notifier
from monitord.tsdb.store import SeriesStore
from probes import REGISTRY
from probes.base import ProbeContext, ProbeKind, ProbeSettings

log = logging.getLogger("monitord")

# The *_created series double every counter on /metrics and no dashboard reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

SINK_RETRY_FIRST = 0.25
SINK_RETRY_MAX = 10.0
SINK_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)


def tune_garbage_collector() -> None:
    """Fewer, cheaper collections for a process that allocates many short-lived objects.

    Every probe run allocates a task, a timer, a result and its dicts; with the
    default generation-0 threshold (700) the collector runs hundreds of times a
    second and was measured at about 20 % of the ICMP path. Objects alive after
    start-up (config, modules) are frozen out of every later collection.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


class Daemon:
    """Owns every component; tests run it in-process, ``monitord run`` under systemd."""

    def __init__(self, loaded: LoadedConfig, *, handle_signals: bool = False) -> None:
        self.loaded = loaded
        self.handle_signals = handle_signals
        self.registry = CollectorRegistry()
        self.health = HealthBoard()
        self.bus = ResultBus(self.registry)
        self.notifier = Notifier()
        self.state: StateStore | None = None
        self.kinds: dict[str, ProbeKind[ProbeSettings]] = {}
        self.sinks: list[Sink] = []
        self.services: list[Service] = []
        self.http_port: int | None = None
        self.series: SeriesStore | None = None
        self._sink_names: set[str] = set()
        self._failing_sinks: set[str] = set()
        self.started = asyncio.Event()
        self._scheduler: Scheduler | None = None
        self._stop = asyncio.Event()
        self._reload_lock = asyncio.Lock()
        self._runner: web.AppRunner | None = None
        self._sink_latency = Histogram(
            "monitord_sink_write_seconds", "Time to write one batch to a sink", ["sink"],
            buckets=SINK_BUCKETS, registry=self.registry,
        )
        self._sink_errors = Counter(
            "monitord_sink_errors", "Batches a sink failed to write", ["sink"], registry=self.registry
        )
        self._sink_points = Counter(
            "monitord_sink_points", "Results written by a sink", ["sink"], registry=self.registry
        )
        self._sink_lost = Counter(
            "monitord_sink_lost", "Results a failing sink could not write before shutdown", ["sink"],
            registry=self.registry,
        )
        self._reloads = Counter(
            "monitord_config_reloads", "Configuration reloads by outcome", ["outcome"],
            registry=self.registry,
        )

    # -- public -------------------------------------------------------------------------

    @property
    def scheduler(self) -> Scheduler:
        if self._scheduler is None:
            raise RuntimeError("the daemon has not started")
        return self._scheduler

    @property
    def state_store(self) -> StateStore:
        if self.state is None:
            raise RuntimeError("the daemon has not started")
        return self.state

    def request_stop(self) -> None:
        self._stop.set()

    def publish(self, results: list[ProbeResult]) -> None:
        """Hand results to every consumer (probes via the scheduler, pushes via the API)."""
        self.bus.publish(results)

    async def run(self) -> None:
        """Run until ``request_stop`` (or SIGTERM); raises StartupError on failed start."""
        config = self.loaded.config
        state_dir = config.daemon.state_dir
        await asyncio.to_thread(state_dir.mkdir, parents=True, exist_ok=True)
        url = config.storage.state_url.get_secret_value() if config.storage.state_url else None
        self.state = await StateStore.open(url, state_dir)
        self.health.set("state", True, self.state.dialect)
        subscriptions: list[Subscription] = []
        consumers: list[asyncio.Task[None]] = []
        background: list[asyncio.Task[None]] = []
        try:
            async with asyncio.TaskGroup() as group:
                await self._open_kinds(self._kinds_in(self.loaded))
                for sink_factory in SINK_FACTORIES:
                    sink = sink_factory(self)
                    if sink is not None:
                        await sink.start()
                        self.sinks.append(sink)
                        subscription = self.bus.subscribe(f"sink:{sink.name}", config.daemon.buffer_size)
                        self._sink_names.add(subscription.name)
                        subscriptions.append(subscription)
                        consumers.append(group.create_task(self._consume(sink, subscription)))
                for service_factory in SERVICE_FACTORIES:
                    service = service_factory(self)
                    if service is not None:
                        await service.start()
                        self.services.append(service)
                self._scheduler = Scheduler(
                    self.kinds, self.publish, self.registry, config.daemon.max_concurrency
                )
                self._scheduler.apply(self.loaded.targets)
                scheduler_task = group.create_task(self._scheduler.run())
                await self._start_http()
                self._install_signals(group)
                background.append(group.create_task(self._watchdog()))
                self.started.set()
                self.notifier.ready(self._status())
                log.info("started: %s", self._status())
                await self._stop.wait()
                self.notifier.stopping()
                log.info("stopping")
                try:
                    async with asyncio.timeout(config.daemon.shutdown_timeout):
                        await self._drain(scheduler_task, subscriptions, consumers)
                except TimeoutError:
                    log.error("shutdown took longer than %ss; closing anyway",
                              config.daemon.shutdown_timeout)
                for task in [scheduler_task, *consumers, *background]:
                    task.cancel()
        except BaseExceptionGroup as group:
            # A component that cannot start fails inside the task group; surface it plainly.
            startup = [e for e in group.exceptions if isinstance(e, StartupError)]
            if startup:
                raise startup[0] from None
            raise
        finally:
            self._remove_signals()
            await self._close()
            log.info("stopped: %s", self._totals())

    async def reload(self) -> bool:
        """Re-read the config file; a bad file keeps the running config. True if applied."""
        path = self.loaded.path
        if path is None:
            log.warning("reload requested but the daemon was not started from a file")
            return False
        async with self._reload_lock:
            self.notifier.reloading()
            try:
                loaded = await asyncio.to_thread(load_config, path)
            except ConfigError as exc:
                self._reloads.labels(outcome="rejected").inc()
                log.error("reload rejected, keeping the running config: %s", "; ".join(exc.lines()))
                self.notifier.ready(self._status())
                return False
            except Exception:
                self._reloads.labels(outcome="rejected").inc()
                log.exception("reload failed, keeping the running config")
                self.notifier.ready(self._status())
                return False
            try:
                await self.apply(loaded)
            except Exception:
                # A reload must never take the daemon down: whatever applied stays applied.
                self._reloads.labels(outcome="failed").inc()
                log.exception("reload could not be applied completely")
                self.notifier.ready(self._status())
                return False
            self._reloads.labels(outcome="applied").inc()
            self.notifier.ready(self._status())
            return True

    async def apply(self, loaded: LoadedConfig) -> None:
        """Swap in a validated configuration without restarting unchanged schedules."""
        await self._open_kinds(self._kinds_in(loaded))
        self.loaded = loaded
        added, changed, removed = self.scheduler.apply(loaded.targets)
        for service in self.services:
            await service.reload(loaded)
        log.info("config applied: %d jobs added, %d changed, %d removed", added, changed, removed)

    # -- internals ----------------------------------------------------------------------

    @staticmethod
    def _kinds_in(loaded: LoadedConfig) -> set[str]:
        return {kind for resolved in loaded.targets for kind in resolved.probes}

    async def _open_kinds(self, names: set[str]) -> None:
        config = self.loaded.config
        for name in sorted(names - set(self.kinds)):
            kind: ProbeKind[ProbeSettings] = REGISTRY[name]()
            context = ProbeContext(
                state_dir=config.daemon.state_dir, registry=self.registry, state=self.state,
                logger=logging.getLogger(f"monitord.probes.{name}"),
            )
            await kind.open(context)
            self.kinds[name] = kind
            self.health.set(f"probe:{name}", True, "open")

    async def _consume(self, sink: Sink, subscription: Subscription) -> None:
        """Feed one sink from its buffer until the buffer is closed and empty."""
        storage = self.loaded.config.storage
        batch_size = storage.embedded.batch_size
        interval = storage.embedded.flush_interval
        loop = asyncio.get_running_loop()
        while True:
            batch = await subscription.get_batch(batch_size, timeout=interval, linger=interval)
            if not batch:
                if subscription.closed and not len(subscription):
                    return
                continue
            begin = loop.time()
            if not await self._write_with_retry(sink, batch, subscription):
                continue
            self._sink_latency.labels(sink=sink.name).observe(loop.time() - begin)
            self._sink_points.labels(sink=sink.name).inc(len(batch))
            self.health.set(f"sink:{sink.name}", True, "writing")
            if sink.name in self._failing_sinks:
                self._failing_sinks.discard(sink.name)
                log.info("sink %s writes again", sink.name)

    async def _write_with_retry(
        self, sink: Sink, batch: list[ProbeResult], subscription: Subscription
    ) -> bool:
        """Write ``batch``, retrying with backoff: a failed batch is kept, not dropped.

        While the sink fails, newer results wait in its bounded buffer (which counts
        what it has to drop). Only at shutdown is a batch given up, and counted.
        """
        delay = SINK_RETRY_FIRST
        while True:
            try:
                await sink.write(batch)
                return True
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._sink_errors.labels(sink=sink.name).inc()
                self.health.set(f"sink:{sink.name}", False, str(exc))
                if sink.name not in self._failing_sinks:
                    self._failing_sinks.add(sink.name)
                    log.error("sink %s failed to write %d results, retrying: %s",
                              sink.name, len(batch), exc)
                if subscription.closed:
                    self._sink_lost.labels(sink=sink.name).inc(len(batch))
                    log.error("sink %s: %d results not written at shutdown", sink.name, len(batch))
                    return False
                await asyncio.sleep(delay)
                delay = min(delay * 2, SINK_RETRY_MAX)

    async def _drain(
        self,
        scheduler_task: asyncio.Task[None],
        subscriptions: Sequence[Subscription],
        consumers: Sequence[asyncio.Task[None]],
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.scheduler.stop()
        await scheduler_task
        # Services first: they may still publish (POS verdicts, IPAM findings) until stopped.
        await self._stop_services()
        for subscription in subscriptions:
            subscription.close()
        # Consumers end by themselves once their closed buffers are empty.
        await asyncio.gather(*consumers)

    async def _stop_services(self) -> None:
        """Stop subsystems in reverse start order; one failing to stop does not stop the rest."""
        while self.services:
            service = self.services.pop()
            try:
                await service.stop()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s failed to stop cleanly", service.name)

    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for sink in reversed(self.sinks):
            try:
                await sink.stop()
            except Exception:
                log.exception("sink %s failed to stop cleanly", sink.name)
        self.sinks.clear()
        await self._stop_services()
        for kind in self.kinds.values():
            try:
                await kind.close()
            except Exception:
                log.exception("probe kind %s failed to close", kind.name)
        self.kinds.clear()
        if self.state is not None:
            await self.state.close()
            self.state = None
        self.notifier.close()

    async def _start_http(self) -> None:
        from monitord.api.app import build_runner

        http = self.loaded.config.http
        self._runner = build_runner(self)
        await self._runner.setup()
        site = web.TCPSite(self._runner, http.host, http.port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise StartupError(f"http.listen {http.listen}: {reason}") from exc
        addresses = self._runner.addresses
        self.http_port = int(addresses[0][1]) if addresses else http.port
        self.health.set("http", True, f"listening on {http.host}:{self.http_port}")

    def _install_signals(self, group: asyncio.TaskGroup) -> None:
        if not self.handle_signals:
            return
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.request_stop)
        loop.add_signal_handler(signal.SIGINT, self.request_stop)
        loop.add_signal_handler(signal.SIGHUP, lambda: group.create_task(self.reload()))

    def _remove_signals(self) -> None:
        if not self.handle_signals:
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(sig)

    async def _watchdog(self) -> None:
        interval = self.notifier.watchdog_interval()
        period = min(interval, 10.0) if interval else 10.0
        while True:
            await asyncio.sleep(period)
            self.notifier.watchdog()
            self.notifier.status(self._status())

    def _totals(self) -> str:
        """What went in and what came out, so a lossy shutdown shows in the journal."""
        sample = self.registry.get_sample_value
        published = int(sample("monitord_results_published_total") or 0)
        parts = [f"published={published}"]
        for name in sorted({s.split(":", 1)[1] for s in self._sink_names}):
            written = int(sample("monitord_sink_points_total", {"sink": name}) or 0)
            dropped = int(sample("monitord_buffer_dropped_total", {"consumer": f"sink:{name}"}) or 0)
            parts.append(f"{name}: written={written} dropped={dropped}")
        return ", ".join(parts)

    def _status(self) -> str:
        jobs = len(self._scheduler.jobs()) if self._scheduler else 0
        depth = sum(self.bus.depth().values())
        state = "healthy" if self.health.ok else "degraded"
        return f"{state}: {len(self.loaded.targets)} targets, {jobs} probe jobs, {depth} buffered"
