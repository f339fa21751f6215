"""The POS subsystem inside the daemon: register, UDP listener, evaluator loop, persistence.

Started by ``SERVICE_FACTORIES`` when ``pos.stores`` is not empty. Its background
work (the evaluator loop and the writer of run-time registrations) runs in one
task group owned by the service and ends in ``stop``. Terminals registered
automatically or through the API are kept in the state store (``probe_state``,
kind ``pos``) so a restart does not forget a till that went quiet meanwhile.

In a cluster any node accepts heartbeats and shares their times through
PostgreSQL (``monitord.cluster.pos_seen``); only the leader evaluates the stores.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from prometheus_client import Gauge, Histogram
from sqlalchemy import select

from monitord.errors import ConflictError, NotFoundError, StartupError
from monitord.pos.addresses import hostnames, ipam_addresses, ipam_available
from monitord.pos.clock import Clock, SystemClock
from monitord.pos.evaluator import AbsenceEvaluator
from monitord.pos.ingest import MAX_TERMINALS_PER_STORE, HeartbeatIngest
from monitord.pos.register import Register, Source, Terminal
from monitord.pos.udp import UdpListener
from monitord.runtime import Runtime
from monitord.store.probe_state import ProbeStateRepo, probe_state

if TYPE_CHECKING:
    from monitord.config.loader import LoadedConfig
    from monitord.config.pos import UdpListenConfig

log = logging.getLogger("monitord.pos")

STATE_KIND = "pos"
EVAL_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
STATES = ("pending", "up", "down", "closed", "unreachable")
IPAM_REFRESH = 60.0
SHARE_EVERY = 1.0  # seconds between batched pushes of last-seen times in a cluster


class PosService:
    """Owns everything POS while the daemon runs."""

    name = "pos"

    def __init__(self, runtime: Runtime, clock: Clock | None = None) -> None:
        self.runtime = runtime
        self.clock: Clock = clock or SystemClock()
        self.ingest = HeartbeatIngest(runtime.registry, self.clock, self._registered)
        self.evaluator = AbsenceEvaluator(self.clock.now())
        self.udp: UdpListener | None = None
        self._udp_config: UdpListenConfig | None = None
        self._kinds_of: dict[str, tuple[str, ...]] = {}
        self._ipam: dict[str, str] = {}
        self._writes: asyncio.Queue[tuple[str, Terminal | None, str]] = asyncio.Queue()
        self._runner: asyncio.Task[None] | None = None
        self._terminals = Gauge(
            "monitord_pos_terminals", "POS terminals by state", ["state"], registry=runtime.registry
        )
        self._stores_down = Gauge("monitord_pos_stores_down", "Stores judged down", registry=runtime.registry)
        self._eval_time = Histogram(
            "monitord_pos_evaluate_seconds",
            "Time to judge the whole register",
            buckets=EVAL_BUCKETS,
            registry=runtime.registry,
        )

    @property
    def register(self) -> Register:
        return self.ingest.register

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        self._configure(self.runtime.loaded)
        await self._load_persisted()
        await self._start_udp(self.runtime.loaded)
        self._runner = asyncio.create_task(self._run(), name="pos")
        self.runtime.health.set("pos", True, self._health_detail())

    async def reload(self, loaded: LoadedConfig) -> None:
        self._configure(loaded)
        if loaded.config.pos.udp != self._udp_config:
            if self.udp is not None:
                await self.udp.stop()
                self.udp = None
            try:
                await self._start_udp(loaded)
            except StartupError as exc:
                # The new file is valid but the address is not usable: say so, keep running.
                log.error("pos: %s; UDP heartbeats are off until the next reload", exc)
                self._udp_config = None  # so the next reload tries again
                self.runtime.health.set("pos", False, str(exc))
                return
        self.runtime.health.set("pos", True, self._health_detail())

    async def stop(self) -> None:
        if self.udp is not None:
            await self.udp.stop()
            self.udp = None
        if self._runner is not None:
            runner, self._runner = self._runner, None
            if not runner.done():
                # Let the writer finish what it holds; what is left is written below.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(5):
                        await self._writes.join()
            runner.cancel()
            await asyncio.wait([runner])
        await self._flush_writes()
        self.runtime.health.remove("pos")

    # -- configuration ------------------------------------------------------------------

    def _configure(self, loaded: LoadedConfig) -> None:
        pos = loaded.config.pos
        previous = self.ingest.register if self.ingest.register.stores else None
        self.ingest.register = Register.from_config(loaded, previous)
        self.ingest.replay_window = pos.replay_window
        self._kinds_of = {r.target.name: tuple(r.probes) for r in loaded.targets}

    async def _start_udp(self, loaded: LoadedConfig) -> None:
        udp = self._udp_config = loaded.config.pos.udp
        if udp.listen is None:
            return
        listener = UdpListener(self.ingest, udp.listen, udp.max_datagram_bytes, udp.receive_buffer_bytes)
        await listener.start()
        self.udp = listener

    # -- background work ----------------------------------------------------------------

    async def _run(self) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self._evaluate_loop())
            group.create_task(self._write_loop())
            if self.runtime.coordination.heartbeats is not None:
                group.create_task(self._share_loop())
            if ipam_available():
                group.create_task(self._ipam_loop())

    async def _evaluate_loop(self) -> None:
        failing = False
        leadership = self.runtime.coordination.leadership
        while True:
            if not leadership.leading():  # store evaluation is a singleton in a cluster
                await asyncio.sleep(self.runtime.loaded.config.pos.evaluate_every)
                continue
            try:
                self.evaluate_once()
            except Exception as exc:  # a bug: report it once, keep judging the next tick
                if not failing:
                    log.exception("pos: evaluation failed")
                    self.runtime.health.set("pos", False, f"evaluation failed: {exc}")
                failing = True
            else:
                if failing:
                    log.info("pos: evaluation works again")
                    self.runtime.health.set("pos", True, self._health_detail())
                failing = False
            await asyncio.sleep(self.runtime.loaded.config.pos.evaluate_every)

    async def _share_loop(self) -> None:
        """In a cluster: push the heartbeats this node accepted; on the leader, fold in
        those every node accepted (the leader alone evaluates the stores)."""
        share = self.runtime.coordination.heartbeats
        assert share is not None
        leadership = self.runtime.coordination.leadership
        pushed: dict[tuple[str, str], float] = {}
        failing = False
        while True:
            await asyncio.sleep(SHARE_EVERY)
            try:
                fresh = {
                    (t.store, t.id): t.last_seen
                    for t in self.register.terminals()
                    if t.last_seen is not None and pushed.get((t.store, t.id)) != t.last_seen
                }
                await share.push(fresh)
                pushed.update(fresh)
                if leadership.leading():
                    for key, when in (await share.recent()).items():
                        if self._fold_seen(key, when):
                            pushed[key] = when
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not failing:
                    log.error("pos: cannot share heartbeats through the state store: %s", exc)
                failing = True
            else:
                if failing:
                    log.info("pos: heartbeats are shared again")
                failing = False

    def _fold_seen(self, key: tuple[str, str], when: float) -> bool:
        """Take a heartbeat another node accepted; True if it was newer than ours."""
        store_name, terminal_id = key
        store = self.register.stores.get(store_name)
        if store is None:
            return False
        terminal = store.terminals.get(terminal_id)
        if terminal is None:
            if not store.auto_register or len(store.terminals) >= MAX_TERMINALS_PER_STORE:
                return False
            terminal = self.register.add_terminal(store, terminal_id, "auto")
            terminal.since = self.clock.now()
        if terminal.last_seen is not None and when <= terminal.last_seen:
            return False
        terminal.last_seen = when
        terminal.heartbeats += 1
        return True

    def evaluate_once(self) -> None:
        """Judge every terminal and store now; publish what changed or is due."""
        begin = time.perf_counter()
        last = self.runtime.results.latest()  # empty until the scheduler starts
        results = self.evaluator.evaluate(self.register, self.clock.now(), last, self._kinds_of)
        if results:
            self.runtime.publish(results)
        counts = dict.fromkeys(STATES, 0)
        stores_down = 0
        for store in self.register.stores.values():
            stores_down += store.state == "down"
            for terminal in store.terminals.values():
                counts[terminal.state] += 1
        for state, count in counts.items():
            self._terminals.labels(state=state).set(count)
        self._stores_down.set(stores_down)
        self._eval_time.observe(time.perf_counter() - begin)

    def ipam_address(self, terminal: Terminal) -> str | None:
        """The terminal's address in the IPAM register, if IPAM is installed and knows it."""
        for name in hostnames(terminal.store, terminal.id):
            found = self._ipam.get(name)
            if found is not None:
                return found
        return None

    async def refresh_ipam(self) -> None:
        """Re-read the terminals' addresses from the IPAM register (raises on failure)."""
        names = [n for t in self.register.terminals() for n in hostnames(t.store, t.id)]
        async with asyncio.timeout(30):
            self._ipam = await ipam_addresses(self.runtime.state.engine, names)

    async def _ipam_loop(self) -> None:
        failing = False
        while True:
            try:
                await self.refresh_ipam()
                failing = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # no IPAM tables yet, database outage: keep the last answer
                if not failing:
                    log.warning("pos: cannot read terminal addresses from IPAM: %s", exc)
                failing = True
            await asyncio.sleep(IPAM_REFRESH)

    def _health_detail(self) -> str:
        udp = f", UDP port {self.udp.port}" if self.udp is not None else ""
        return f"{len(self.register.stores)} stores, {len(self.register)} terminals{udp}"

    # -- run-time registrations -----------------------------------------------------------

    def _registered(self, terminal: Terminal) -> None:
        self._writes.put_nowait((terminal.store, terminal, terminal.id))

    def add_terminal(
        self, store_name: str, terminal_id: str, address: str | None, interval: float | None
    ) -> Terminal:
        """Register a terminal through the API (admin); 404 unknown store, 409 if it exists."""
        store = self.register.stores.get(store_name)
        if store is None:
            raise NotFoundError(f"no store named {store_name!r}", field="store")
        if terminal_id in store.terminals:
            raise ConflictError(
                f"terminal {terminal_id!r} already exists in {store_name!r}", field="terminal"
            )
        terminal = self.register.add_terminal(store, terminal_id, "api", address, interval)
        terminal.since = self.clock.now()
        self._registered(terminal)
        return terminal

    def remove_terminal(self, store_name: str, terminal_id: str) -> None:
        """Forget a run-time terminal; configured ones are changed in the file (409)."""
        terminal = self.register.find(store_name, terminal_id)
        if terminal is None:
            raise NotFoundError(f"no terminal {terminal_id!r} in store {store_name!r}", field="terminal")
        if terminal.source == "config":
            raise ConflictError(
                "this terminal is in the configuration file; remove it there", field="terminal"
            )
        del self.register.stores[store_name].terminals[terminal_id]
        self._writes.put_nowait((store_name, None, terminal_id))

    async def _write_loop(self) -> None:
        while True:
            item = await self._writes.get()
            try:
                await self._write(*item)
            finally:
                self._writes.task_done()

    async def _flush_writes(self) -> None:
        while not self._writes.empty():
            await self._write(*self._writes.get_nowait())
            self._writes.task_done()

    async def _write(self, store: str, terminal: Terminal | None, terminal_id: str) -> None:
        repo = ProbeStateRepo(self.runtime.state)
        try:
            if terminal is None:
                await repo.put(STATE_KIND, store, terminal_id, {"removed": True})
            else:
                await repo.put(
                    STATE_KIND,
                    store,
                    terminal_id,
                    {
                        "source": terminal.source,
                        "address": terminal.address,
                        "interval": terminal.interval,
                    },
                )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("pos: could not persist terminal %s/%s: %s", store, terminal_id, exc)

    async def _load_persisted(self) -> None:
        query = select(probe_state.c.target, probe_state.c.key, probe_state.c.value).where(
            probe_state.c.kind == STATE_KIND
        )
        async with self.runtime.state.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        for store_name, terminal_id, value in rows:
            store = self.register.stores.get(store_name)
            if store is None or not isinstance(value, dict) or value.get("removed"):
                continue
            if terminal_id in store.terminals:
                continue
            source: Source = "api" if value.get("source") == "api" else "auto"
            interval = value.get("interval")
            terminal = self.register.add_terminal(
                store,
                terminal_id,
                source,
                value.get("address"),
                float(interval) if isinstance(interval, int | float) else None,
            )
            terminal.since = self.clock.now()


def pos_service(runtime: Runtime) -> PosService | None:
    """The SERVICE_FACTORIES entry: on when ``pos.stores`` lists a store."""
    return PosService(runtime) if runtime.loaded.config.pos.enabled else None
