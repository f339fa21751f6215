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
import ssl
from collections.abc import Sequence

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, disable_created_metrics

from monitord.api.app import build_runner
from monitord.api.server import tls_context
from monitord.bus import ResultBus, Subscription
from monitord.config.http import HttpConfig
from monitord.config.loader import LoadedConfig, load_config
from monitord.console import app as console
from monitord.coordination import Coordination
from monitord.errors import ConfigError, StartupError
from monitord.health import HealthBoard
from monitord.icmp.shared import SharedIcmp
from monitord.results import ProbeResult
from monitord.runtime import CurrentConfig, LatestResults, Runtime, Service
from monitord.scheduler import Scheduler
from monitord.services import SERVICE_FACTORIES, SINK_FACTORIES
from monitord.sinks.base import Sink
from monitord.sinks.embedded import EmbeddedSink
from monitord.sinks.feeder import SinkCounters, SinkFeeder
from monitord.store.engine import StateStore
from monitord.systemd import SystemdNotifier
from probes import REGISTRY
from probes.base import ProbeContext, ProbeKind, ProbeSettings

log = logging.getLogger("monitord")

# The *_created series double every counter on /metrics and no dashboard reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]


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
    """Owns the lifecycle (start order, reload, signals, watchdog, shutdown) of every component.

    Components never see the daemon: they get the frozen ``Runtime`` built in ``run``.
    Tests run the daemon in-process, ``monitord run`` under systemd.
    """

    def __init__(self, loaded: LoadedConfig, *, handle_signals: bool = False) -> None:
        self.config = CurrentConfig(loaded)
        self.handle_signals = handle_signals
        self.registry = CollectorRegistry()
        self.health = HealthBoard()
        self.bus = ResultBus(self.registry)
        self.results = LatestResults()
        self.icmp = SharedIcmp()
        self.coordination = Coordination()
        self.notifier = SystemdNotifier()
        self.state: StateStore | None = None
        self.runtime: Runtime | None = None
        self.kinds: dict[str, ProbeKind[ProbeSettings]] = {}
        self.sinks: list[Sink] = []
        self.services: list[Service] = []
        self.http_port: int | None = None
        self.https_port: int | None = None
        self._sink_names: set[str] = set()
        self.started = asyncio.Event()
        self._scheduler: Scheduler | None = None
        self._stop = asyncio.Event()
        self._reload_lock = asyncio.Lock()
        self._runner: web.AppRunner | None = None
        self._sink_counters = SinkCounters(self.registry)
        self._reloads = Counter(
            "monitord_config_reloads",
            "Configuration reloads by outcome",
            ["outcome"],
            registry=self.registry,
        )

    # -- public -------------------------------------------------------------------------

    @property
    def loaded(self) -> LoadedConfig:
        """The configuration in force (swapped by a valid reload)."""
        return self.config.loaded

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
        runtime = self.runtime = Runtime(
            self.config,
            self.registry,
            self.health,
            self.state,
            self.bus,
            self.results,
            self.icmp,
            coordination=self.coordination,
        )
        subscriptions: list[Subscription] = []
        consumers: list[asyncio.Task[None]] = []
        background: list[asyncio.Task[None]] = []
        try:
            async with asyncio.TaskGroup() as group:
                await self._open_kinds(self._kinds_in(self.loaded))
                for sink_factory in SINK_FACTORIES:
                    sink = sink_factory(runtime)
                    if sink is not None:
                        await sink.start()
                        self.sinks.append(sink)
                        subscription = self.bus.subscribe(f"sink:{sink.name}", config.daemon.buffer_size)
                        self._sink_names.add(subscription.name)
                        subscriptions.append(subscription)
                        feeder = SinkFeeder(sink, subscription, self._sink_counters, self.health)
                        consumers.append(group.create_task(feeder.run()))
                for service_factory in SERVICE_FACTORIES:
                    service = service_factory(runtime)
                    if service is not None:
                        await service.start()
                        self.services.append(service)
                ownership = self.coordination.ownership
                self._scheduler = Scheduler(
                    self.kinds,
                    self.bus.publish,
                    self.registry,
                    config.daemon.max_concurrency,
                    owns=ownership.probes if ownership.clustered else None,
                )
                ownership.on_probes_changed(self._ownership_changed)
                self.results.attach(self._scheduler.last_results)
                self._scheduler.apply(self.loaded.targets)
                scheduler_task = group.create_task(self._scheduler.run())
                await self._start_http(runtime)
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
                    log.error("shutdown took longer than %ss; closing anyway", config.daemon.shutdown_timeout)
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

    def _ownership_changed(self) -> None:
        """The cluster moved targets to or from this node: only those jobs start or stop."""
        if self._scheduler is None:
            return
        added, _changed, removed = self._scheduler.apply(self.loaded.targets)
        if added or removed:
            log.info("ownership changed: %d probe jobs started, %d stopped", added, removed)

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
        self.config.swap(loaded)
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
                state_dir=config.daemon.state_dir,
                registry=self.registry,
                state=self.state,
                icmp=self.icmp,
                logger=logging.getLogger(f"monitord.probes.{name}"),
            )
            await kind.open(context)
            self.kinds[name] = kind
            self.health.set(f"probe:{name}", True, "open")

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
        self.icmp.close()  # after the probe kinds and services that share it
        if self.state is not None:
            await self.state.close()
            self.state = None
        self.notifier.close()

    async def _start_http(self, runtime: Runtime) -> None:
        http = self.loaded.config.http
        stores = [sink.store for sink in self.sinks if isinstance(sink, EmbeddedSink)]
        self._runner = build_runner(runtime, [*self.services, *stores], [console.mount])
        await self._runner.setup()
        site = web.TCPSite(self._runner, http.host, http.port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise StartupError(f"http.listen {http.listen}: {reason}") from exc
        addresses = self._runner.addresses
        self.http_port = int(addresses[0][1]) if addresses else http.port
        listening = f"listening on {http.host}:{self.http_port}"
        if http.tls is not None:
            self.https_port = await self._start_https(http)
            listening += f", https on {http.tls.host}:{self.https_port}"
        self.health.set("http", True, listening)

    async def _start_https(self, http: HttpConfig) -> int:
        """The ``http.tls`` listener: the same application over TLS; its port."""
        assert self._runner is not None and http.tls is not None
        try:
            context = await asyncio.to_thread(tls_context, http)
        except (OSError, ssl.SSLError) as exc:
            raise StartupError(f"http.tls: cannot load the certificate or key: {exc}") from exc
        site = web.TCPSite(
            self._runner, http.tls.host, http.tls.port, ssl_context=context, reuse_address=True
        )
        try:
            await site.start()
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise StartupError(f"http.tls.listen {http.tls.listen}: {reason}") from exc
        addresses = self._runner.addresses  # the TLS site's socket is the last one
        return int(addresses[-1][1]) if addresses else http.tls.port

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
