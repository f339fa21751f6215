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
from monitord.config.syslog import SyslogConfig
from monitord.errors import StartupError
from monitord.intake.syslog.counters import TCP, TLS, SyslogCounters
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


def _listeners_of(config: SyslogConfig) -> tuple[object, object, object]:
    return config.udp, config.tcp, config.tls


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
        self.udp: UdpReceiver | None = None
        self.tcp: StreamReceiver | None = None
        self.tls: StreamReceiver | None = None
        self._listening: tuple[object, object, object] | None = None
        self._runner: asyncio.Task[None] | None = None
        self._resolve_now = asyncio.Event()
        self.published = 0

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        await self._open(self.runtime.loaded.config.syslog)
        self._runner = asyncio.create_task(self._run(), name="syslog")
        self.runtime.health.set(HEALTH, True, self._detail())

    async def reload(self, loaded: LoadedConfig) -> None:
        config = loaded.config.syslog
        self.inbox.configure(
            rate=config.rate, burst=config.burst, size=config.queue_size, max_bytes=config.max_message_bytes
        )
        if config.rules != self.tally.config.rules:
            self._publish()  # counts of the old rules go out under the old rules
        self.tally.configure(config, SenderMap.build(loaded, self._resolved))
        self._resolve_now.set()
        if _listeners_of(config) != self._listening:
            await self._close()
            try:
                await self._open(config)
            except StartupError as exc:
                # The new file is valid but an address or a certificate is not usable: say so.
                log.error("syslog: %s; the listeners are off until the next reload", exc)
                await self._close()
                self._listening = None  # so the next reload tries again
                self.runtime.health.set(HEALTH, False, str(exc))
                return
        self.runtime.health.set(HEALTH, True, self._detail())

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
        inbox = self.inbox
        try:
            if config.udp is not None:
                self.udp = UdpReceiver(inbox, config.udp.listen, config.udp.receive_buffer_bytes)
                await self.udp.start()
            if config.tcp is not None:
                self.tcp = StreamReceiver(
                    inbox,
                    config.tcp.listen,
                    TCP,
                    max_connections=config.tcp.max_connections,
                    idle_timeout=config.tcp.idle_timeout,
                )
                await self.tcp.start()
            if config.tls is not None:
                tls = config.tls
                context = await asyncio.to_thread(
                    tls_context,
                    str(tls.cert_file),
                    str(tls.key_file),
                    None if tls.client_ca_file is None else str(tls.client_ca_file),
                )
                self.tls = StreamReceiver(
                    inbox,
                    tls.listen,
                    TLS,
                    max_connections=tls.max_connections,
                    idle_timeout=tls.idle_timeout,
                    context=context,
                )
                await self.tls.start()
        except BaseException:
            await self._close()
            raise
        self._listening = _listeners_of(config)

    async def _close(self) -> None:
        for listener in (self.udp, self.tcp, self.tls):
            if listener is not None:
                await listener.stop()
        self.udp = self.tcp = self.tls = None

    # -- background work ----------------------------------------------------------------

    async def _run(self) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self._match_loop())
            group.create_task(self._every(lambda: self.tally.config.interval, self._publish_async))
            group.create_task(self._resolve_loop())
            group.create_task(self._every(lambda: SWEEP_EVERY, self._sweep))

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
            self.runtime.health.set(HEALTH, True, self._detail())

    async def _sweep(self) -> None:
        now = time.monotonic()
        for listener in (self.tcp, self.tls):
            if listener is not None:
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

    def _detail(self) -> str:
        ports = [
            f"{name} {listener.port}"
            for name, listener in (("udp", self.udp), ("tcp", self.tcp), ("tls", self.tls))
            if listener is not None
        ]
        counters = self.counters
        return (
            f"{', '.join(ports) or 'no listener'}; {len(self.tally.targets)} senders heard, "
            f"{sum(counters.parsed)} parsed, {counters.total_malformed()} malformed, "
            f"{counters.total_dropped()} dropped"
        )

    def port(self, transport: str) -> int:
        """The bound port of ``udp``, ``tcp`` or ``tls`` (tests listen on port 0)."""
        listener: Listener | None = {"udp": self.udp, "tcp": self.tcp, "tls": self.tls}[transport]
        if listener is None or listener.port is None:
            raise LookupError(f"no {transport} listener")
        return listener.port


def syslog_service(runtime: Runtime) -> SyslogService | None:
    """The SERVICE_FACTORIES entry: on when ``syslog`` has a listener."""
    return SyslogService(runtime) if runtime.loaded.config.syslog.enabled else None
