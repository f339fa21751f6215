"""The syslog receiver inside the daemon: listeners, the match loop, publishing, resolving.

Started by ``SERVICE_FACTORIES`` when ``syslog`` has a listener. Its background work
runs in one task group owned by the service and ends in ``stop``:

* the match loop takes batches from the inbox and counts them (``Tally.process``);
* every ``interval`` one ``syslog`` result per target heard goes on the result bus,
  to the time-series sinks and the alert engine like any probe's;
* every ``resolve_every`` targets' host names are resolved to sender addresses;
* every few seconds idle TCP/TLS connections are closed.

``stop`` closes the listeners first, matches what is still queued and publishes it,
so a SIGTERM loses nothing that was received.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from monitord.config.loader import LoadedConfig
from monitord.config.syslog import SyslogConfig, SyslogTcpConfig, SyslogTlsConfig, SyslogUdpConfig
from monitord.errors import StartupError
from monitord.intake.syslog.counters import TCP, TLS, TRANSPORTS, SyslogCounters
from monitord.intake.syslog.limits import Inbox
from monitord.intake.syslog.senders import SenderMap, resolve
from monitord.intake.syslog.streams import StreamReceiver, tls_context
from monitord.intake.syslog.tally import Tally
from monitord.intake.syslog.udp import UdpReceiver
from monitord.results import now_ns
from monitord.runtime import Runtime

log = logging.getLogger("monitord.syslog")

HEALTH = "syslog"
BATCH = 2048  # messages matched per turn of the loop: a few milliseconds, then others run
SWEEP_EVERY = 5.0

Listener = UdpReceiver | StreamReceiver


class SyslogService:
    """Owns everything syslog while the daemon runs."""

    name = "syslog"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        config = runtime.loaded.config.syslog
        self.counters = SyslogCounters().register(runtime.registry)
        self.inbox = Inbox(
            self.counters,
            rate=config.rate,
            burst=config.burst,
            size=config.queue_size,
            max_bytes=config.max_message_bytes,
        )
        self._resolved: dict[str, list[str]] = {}
        self.tally = Tally(config, self.counters, SenderMap.build(runtime.loaded))
        self._listeners: dict[str, Listener] = {}
        self._settings: dict[str, SyslogUdpConfig | SyslogTcpConfig | None] = {}
        self._problems: list[str] = []
        self._runner: asyncio.Task[None] | None = None
        self._resolve_now = asyncio.Event()
        self.published = 0

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        await self._open(self.runtime.loaded.config.syslog)
        self._runner = asyncio.create_task(self._run(), name="syslog")
        self._report()

    async def reload(self, loaded: LoadedConfig) -> None:
        config = loaded.config.syslog
        self.inbox.configure(
            rate=config.rate, burst=config.burst, size=config.queue_size, max_bytes=config.max_message_bytes
        )
        if config.rules != self.tally.config.rules:
            self._publish()  # counts of the old rules go out under the old rules
        self.tally.configure(config, SenderMap.build(loaded, self._resolved))
        self._resolve_now.set()
        # The new file is valid, but an address or a certificate may not be usable: say so.
        self._problems = await self._apply_listeners(config)
        for problem in self._problems:
            log.error("syslog: %s; that listener is off until the next reload", problem)
        self._report()

    async def stop(self) -> None:
        await self._close()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            runner.cancel()
            await asyncio.wait([runner])
        self.drain()
        self._publish()
        self.runtime.health.remove(HEALTH)

    async def _open(self, config: SyslogConfig) -> None:
        """Start every configured listener; the first that cannot start stops the start-up."""
        try:
            for transport in TRANSPORTS:
                await self._open_one(config, transport)
        except BaseException:
            await self._close()
            raise

    async def _apply_listeners(self, config: SyslogConfig) -> list[str]:
        """Restart the listeners whose settings changed (a reload); what could not start."""
        problems = []
        for transport in TRANSPORTS:
            wanted = getattr(config, transport)
            running = self._listeners.get(transport)
            if wanted == self._settings.get(transport) and (running is not None or wanted is None):
                continue
            if running is not None:
                await running.stop()
                del self._listeners[transport]
            try:
                await self._open_one(config, transport)
            except StartupError as exc:
                self._settings.pop(transport, None)  # so the next reload tries again
                problems.append(str(exc))
        return problems

    async def _open_one(self, config: SyslogConfig, transport: str) -> None:
        settings = getattr(config, transport)
        self._settings[transport] = settings
        if settings is None:
            return
        listener: Listener
        if isinstance(settings, SyslogUdpConfig):
            listener = UdpReceiver(self.inbox, settings.listen, settings.receive_buffer_bytes)
        else:
            context = None
            if isinstance(settings, SyslogTlsConfig):
                context = await asyncio.to_thread(
                    tls_context,
                    str(settings.cert_file),
                    str(settings.key_file),
                    None if settings.client_ca_file is None else str(settings.client_ca_file),
                )
            listener = StreamReceiver(
                self.inbox,
                settings.listen,
                TLS if context is not None else TCP,
                max_connections=settings.max_connections,
                idle_timeout=settings.idle_timeout,
                context=context,
            )
        await listener.start()
        self._listeners[transport] = listener

    async def _close(self) -> None:
        for listener in self._listeners.values():
            await listener.stop()
        self._listeners.clear()

    # -- background work ----------------------------------------------------------------

    async def _run(self) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self._match_loop())
            group.create_task(self._every(lambda: self.tally.config.interval, self._publish_async))
            group.create_task(self._resolve_loop())
            group.create_task(self._every(self._sweep_period, self._sweep))

    async def _match_loop(self) -> None:
        inbox = self.inbox
        while True:
            await inbox.ready.wait()
            self._match(inbox.take(BATCH))
            await asyncio.sleep(0)  # let the listeners and everything else run between batches

    def _match(self, batch: list[tuple[bytes, str, int]]) -> None:
        if not batch:
            return
        try:
            self.tally.process(batch, time.monotonic())
        except Exception:  # a bug must not end the receiver: the batch is lost, and said so
            log.exception("syslog: matching a batch of %d messages failed", len(batch))

    def drain(self) -> None:
        """Match everything queued now (stop, and tests that wait for nothing else)."""
        while self.inbox.items:
            self._match(self.inbox.take(BATCH))

    @staticmethod
    async def _every(period: Callable[[], float], work: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(period())
            await work()

    async def _publish_async(self) -> None:
        self._publish()

    def _publish(self) -> None:
        results = self.tally.results(time.monotonic(), now_ns())
        if results:
            self.runtime.publish(results)
            self.published += len(results)
        if self._runner is not None:
            self._report()

    def _sweep_period(self) -> float:
        """Every few seconds, or often enough for the shortest idle_timeout to hold."""
        timeouts = [
            listener.idle_timeout
            for listener in self._listeners.values()
            if isinstance(listener, StreamReceiver)
        ]
        return min([SWEEP_EVERY, *(timeout / 2 for timeout in timeouts)])

    async def _sweep(self) -> None:
        now = time.monotonic()
        for listener in self._listeners.values():
            if isinstance(listener, StreamReceiver):
                listener.sweep(now)
        if len(self.inbox.buckets) > 10_000:
            self.inbox.buckets.prune(now)

    async def _resolve_loop(self) -> None:
        while True:
            names = list(self.tally.senders.hostnames)
            if names and "address" in self.tally.config.match:
                try:
                    self._resolved = await resolve(names)
                except asyncio.CancelledError:
                    raise
                except Exception:  # resolving is best effort; literal addresses still work
                    log.exception("syslog: resolving target host names failed")
                else:
                    self.tally.senders = SenderMap.build(self.runtime.loaded, self._resolved)
            self._resolve_now.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.tally.config.resolve_every):
                    await self._resolve_now.wait()

    def _report(self) -> None:
        """The health board entry: false while a listener could not be started."""
        if self._problems:
            self.runtime.health.set(HEALTH, False, "; ".join(self._problems))
        else:
            self.runtime.health.set(HEALTH, True, self._detail())

    def _detail(self) -> str:
        ports = [f"{name} {listener.port}" for name, listener in self._listeners.items()]
        counters = self.counters
        return (
            f"{', '.join(ports) or 'no listener'}; {len(self.tally.targets)} senders heard, "
            f"{sum(counters.parsed)} parsed, {counters.total_malformed()} malformed, "
            f"{counters.total_dropped()} dropped"
        )

    def port(self, transport: str) -> int:
        """The bound port of ``udp``, ``tcp`` or ``tls`` (tests listen on port 0)."""
        listener = self._listeners.get(transport)
        if listener is None or listener.port is None:
            raise LookupError(f"no {transport} listener")
        return listener.port


def syslog_service(runtime: Runtime) -> SyslogService | None:
    """The SERVICE_FACTORIES entry: on when ``syslog`` has a listener."""
    return SyslogService(runtime) if runtime.loaded.config.syslog.enabled else None
