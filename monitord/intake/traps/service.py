"""The trap receiver inside the daemon: listener, worker, endings, sender map, name learning.

Started by ``SERVICE_FACTORIES`` when ``snmp_traps.enabled``. Its loops run in
one task owned by the service and end in ``stop``: the worker (decode, answer
informs, publish results in batches), the ending clock (alerts raised by traps
that no trap ends), the resolver (target host names, every ``resolve_every``)
and the learner (interface names from the poll's results on the bus). Pending
endings are kept in the state store on stop and read back on start.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import socket
from typing import TYPE_CHECKING

from monitord.config.snmp_traps import SnmpTrapsConfig, engine_id_bytes
from monitord.errors import StartupError
from monitord.intake.traps.endings import Endings, key_of
from monitord.intake.traps.interfaces import InterfaceNames
from monitord.intake.traps.limits import SenderLimits
from monitord.intake.traps.listener import TrapListener
from monitord.intake.traps.metrics import TrapMetrics
from monitord.intake.traps.receiver import TrapReceiver
from monitord.intake.traps.senders import SenderMap
from monitord.intake.traps.usm import UsmReceiver, default_engine_id
from monitord.results import ProbeResult, now_ns
from monitord.runtime import Runtime
from monitord.store.probe_state import ProbeStateRepo

if TYPE_CHECKING:
    from monitord.bus import Subscription
    from monitord.config.loader import LoadedConfig

log = logging.getLogger("monitord.snmp_traps")

BATCH = 512
STATE_KIND, STATE_TARGET, STATE_KEY = "snmp_traps", "-", "endings"
LEARN_BUFFER = 100_000
IDLE_TICK = 1.0  # the ending clock's longest sleep


def _listener_settings(config: SnmpTrapsConfig) -> tuple[object, ...]:
    return (
        tuple(config.listen),
        config.queue_size,
        config.max_datagram_bytes,
        config.receive_buffer_bytes,
        config.sender_rate,
        config.sender_burst,
    )


def _usm_settings(config: SnmpTrapsConfig) -> tuple[object, ...]:
    return (config.engine_id, tuple(config.users))


class TrapService:
    """Owns everything SNMP-trap while the daemon runs."""

    name = "snmp_traps"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.metrics = TrapMetrics(runtime.registry)
        self.senders = SenderMap()
        self.names = InterfaceNames()
        self.receiver = TrapReceiver(self.metrics, self.senders, self.names)
        self.endings = Endings()
        self.listener: TrapListener | None = None
        self._listener_key: tuple[object, ...] = ()
        self._usm_key: tuple[object, ...] | None = None
        self._subscription: Subscription | None = None
        self._runner: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    @property
    def config(self) -> SnmpTrapsConfig:
        return self.runtime.loaded.config.snmp_traps

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        await self._configure(self.runtime.loaded)
        await self._restore_endings()
        self._subscription = self.runtime.bus.subscribe("snmp_traps", LEARN_BUFFER)
        await self._start_listener(self.config)
        self._runner = asyncio.create_task(self._run(), name="snmp_traps")
        self._health()

    async def reload(self, loaded: LoadedConfig) -> None:
        await self._configure(loaded)
        config = loaded.config.snmp_traps
        if not config.enabled:
            if self.listener is not None:
                await self.listener.stop()
                self.listener = None
                self._listener_key = ()
                log.info("snmp traps: receiver switched off")
            self.runtime.health.set(self.name, True, "switched off (snmp_traps.enabled: false)")
            return
        if _listener_settings(config) != self._listener_key:
            if self.listener is not None:
                await self.listener.stop()
                self.listener = None
            try:
                await self._start_listener(config)
            except StartupError as exc:
                # The new file is valid but the address is not usable: say so, keep running.
                log.error("snmp traps: %s; not receiving until the next reload", exc)
                self._listener_key = ()
                self.runtime.health.set(self.name, False, str(exc))
                return
        self._wake.set()
        self._health()

    async def stop(self) -> None:
        if self.listener is not None:
            await self.listener.stop()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            runner.cancel()
            await asyncio.wait([runner])
        if self.listener is not None:
            self._work(self.listener)  # what was queued before the sockets closed
            self.listener = None
        if self._subscription is not None:
            self.runtime.bus.unsubscribe(self._subscription)
            self._subscription = None
        if self.receiver.usm is not None:
            self.receiver.usm.close()
        await self._save_endings()
        self.runtime.health.remove(self.name)

    # -- configuration ------------------------------------------------------------------

    async def _configure(self, loaded: LoadedConfig) -> None:
        config = loaded.config.snmp_traps
        usm = self.receiver.usm
        if _usm_settings(config) != self._usm_key:
            usm = None
            if config.users:
                engine_id = (
                    engine_id_bytes(config.engine_id)
                    if config.engine_id
                    else default_engine_id(f"{socket.gethostname()}:{loaded.config.daemon.state_dir}")
                )
                boots = loaded.config.daemon.state_dir / "snmp_traps" / f"engine-{engine_id.hex()}.boots"
                usm = await asyncio.to_thread(UsmReceiver.build, engine_id, config.users, boots)
                log.info("snmp traps: SNMPv3 engine ID 0x%s (informs go to it)", engine_id.hex())
            if self.receiver.usm is not None:
                self.receiver.usm.close()
            self._usm_key = _usm_settings(config)
        self.receiver.configure(config, usm)
        await self._resolve(loaded)

    async def _resolve(self, loaded: LoadedConfig) -> None:
        targets = [r.target for r in loaded.targets]
        failed = await self.senders.refresh(targets, loaded.config.snmp_traps.senders)
        if failed:
            log.warning(
                "snmp traps: cannot resolve %s: traps from them are unknown senders", ", ".join(failed)
            )
        self.names.forget(set(self.senders.targets))

    async def _start_listener(self, config: SnmpTrapsConfig) -> None:
        listener = TrapListener(
            list(config.listen),
            limits=SenderLimits(config.sender_rate, config.sender_burst),
            metrics=self.metrics,
            queue_size=config.queue_size,
            max_bytes=config.max_datagram_bytes,
            buffer_bytes=config.receive_buffer_bytes,
        )
        await listener.start()
        self.metrics.watch_queue(lambda: len(listener.queue))
        self.listener = listener
        self._listener_key = _listener_settings(config)
        self._wake.set()

    def _health(self) -> None:
        ports = self.listener.ports if self.listener else []
        self.runtime.health.set(self.name, self.listener is not None, f"udp ports {ports}")

    # -- background work ----------------------------------------------------------------

    async def _run(self) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self._work_loop())
            group.create_task(self._ending_loop())
            group.create_task(self._resolve_loop())
            group.create_task(self._learn_loop())

    async def _work_loop(self) -> None:
        while True:
            listener = self.listener
            if listener is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            if not listener.queue:
                listener.ready.clear()
                await listener.ready.wait()
                continue
            self._work(listener)
            await asyncio.sleep(0)  # one batch at a time: the loop stays responsive in a storm

    def _work(self, listener: TrapListener) -> None:
        """Handle up to ``BATCH`` queued datagrams; publish their results in one go."""
        queue = listener.queue
        results: list[ProbeResult] = []
        clock = self.runtime.clock.now()
        stamp = now_ns()
        for _ in range(min(BATCH, len(queue))):
            data, host, address, sock = queue.popleft()
            try:
                handled = self.receiver.handle(data, host, address, stamp)
            except Exception:  # a bug must not stop the receiver; the datagram is counted
                log.exception("snmp traps: unexpected error handling a datagram from %s", host)
                self.metrics.malformed.labels(reason="internal_error").inc()
                continue
            for reply in handled.replies:
                listener.send(sock, reply, address)
            translation = handled.translation
            if translation is None:
                continue
            results.extend(translation.results)
            for ended in translation.cancels:
                self.endings.cancel(key_of(ended))
                results.append(ended)
            for delay, ended in translation.ends:
                self.endings.schedule(clock + delay, ended)
        if results:
            self.metrics.results.inc(len(results))
            self.runtime.publish(results)
            self._wake.set()  # the ending clock may have a sooner deadline now

    async def _ending_loop(self) -> None:
        while True:
            now = self.runtime.clock.now()
            due = self.endings.due(now)
            if due:
                stamp = now_ns()
                ended = [dataclasses.replace(r, time_ns=stamp) for r in due]
                self.metrics.results.inc(len(ended))
                self.runtime.publish(ended)
            upcoming = self.endings.next_at()
            wait = IDLE_TICK if upcoming is None else max(0.0, min(IDLE_TICK, upcoming - now))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()

    async def _resolve_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.resolve_every)
            await self._resolve(self.runtime.loaded)

    async def _learn_loop(self) -> None:
        subscription = self._subscription
        assert subscription is not None
        while not subscription.closed:
            batch = await subscription.get_batch(5000, timeout=5.0, linger=0.5)
            if batch:
                self.names.learn(batch)

    # -- endings across restarts --------------------------------------------------------

    async def _save_endings(self) -> None:
        try:
            async with asyncio.timeout(10):
                await ProbeStateRepo(self.runtime.state).put(
                    STATE_KIND, STATE_TARGET, STATE_KEY, self.endings.snapshot()
                )
        except Exception as exc:  # the store is down: those alerts end with the next poll or trap
            log.warning("snmp traps: cannot save pending alert endings: %s", exc)

    async def _restore_endings(self) -> None:
        try:
            async with asyncio.timeout(10):
                rows = await ProbeStateRepo(self.runtime.state).get(STATE_KIND, STATE_TARGET, STATE_KEY)
        except Exception as exc:
            log.warning("snmp traps: cannot read pending alert endings: %s", exc)
            return
        if isinstance(rows, list):
            self.endings.restore(rows, now_ns())


def trap_service(runtime: Runtime) -> TrapService | None:
    if not runtime.loaded.config.snmp_traps.enabled:
        return None
    return TrapService(runtime)
