"""Running a real Daemon with the alert engine, tcp probes against loopback listeners
we open and close, and the receiver behind apprise ``json://``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from alerts.service import AlertService
from monitord import services
from monitord.clock import Clock, ManualClock, ShiftedClock
from monitord.config.loader import build_config, load_config
from monitord.daemon import Daemon
from monitord.runtime import Runtime
from tests.daemon_harness import running_daemon
from tests.eventually import eventually
from tests.servers.processes import free_port
from tests.servers.receiver import Received, Receiver

ADMIN_TOKEN = "alerts-admin-token-0123456789"
READ_TOKEN = "alerts-read-token-0123456789"


def _port_below_ephemeral_range() -> int:
    """A free port the kernel never hands out to outgoing connections (32768 and up on Linux),
    so no client socket, not even the probe's own, takes it while the listener is closed."""
    start = random.randrange(20000, 32000)
    for offset in range(500):
        port = 20000 + (start - 20000 + offset) % 12000
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return free_port()


class Listener:
    """A TCP port on 127.0.0.1 we can open (target up) and close (target down)."""

    def __init__(self) -> None:
        self.port = _port_below_ephemeral_range()
        self._server: asyncio.Server | None = None

    async def open(self) -> None:
        async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.close()

        self._server = await asyncio.start_server(accept, "127.0.0.1", self.port, reuse_address=True)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None


def tcp_target(
    name: str,
    port: int,
    *,
    site: str = "store-1",
    parent: str | None = None,
    interval: float = 0.25,
    criticality: str = "normal",
) -> dict[str, Any]:
    target: dict[str, Any] = {
        "name": name,
        "address": "127.0.0.1",
        "site": site,
        "criticality": criticality,
        "probes": {"tcp": {"port": port, "interval": interval, "timeout": 1}},
    }
    if parent:
        target["parent"] = parent
    return target


DOWN_RULE = {
    "name": "service-down",
    "kind": "tcp",
    "condition": "down",
    "severity": "critical",
    "marks_down": True,
    "summary": "{target} port {port} down: {reason}",
}


def config_doc(
    tmp_path: Path,
    targets: list[dict[str, Any]],
    url: str,
    *,
    state_url: str | None = None,
    rules: list[dict[str, Any]] | None = None,
    route: dict[str, Any] | None = None,
    alerts: dict[str, Any] | None = None,
    notify: dict[str, Any] | None = None,
) -> dict[str, Any]:
    route_doc = {
        "name": "oncall",
        "urls": [url],
        "group_wait": "0.5s",
        "group_interval": "1s",
        "repeat_interval": "1h",
        **(route or {}),
    }
    doc: dict[str, Any] = {
        "daemon": {"state_dir": str(tmp_path / "state"), "shutdown_timeout": 20},
        "http": {
            "listen": "127.0.0.1:0",
            "tokens": [
                {"name": "oncall-admin", "role": "admin", "token": ADMIN_TOKEN},
                {"name": "viewer", "role": "read", "token": READ_TOKEN},
            ],
        },
        "targets": targets,
        "alerts": {
            "default_rules": False,
            "rules": rules if rules is not None else [DOWN_RULE],
            "evaluation_interval": "0.1s",
            "dependency_grace": "3s",
            **(alerts or {}),
        },
        "notify": {
            "routes": [route_doc],
            "retry_initial": "0.5s",
            "retry_max": "2s",
            "send_timeout": "5s",
            **(notify or {}),
        },
    }
    if state_url:
        doc["storage"] = {"state_url": state_url}
    return doc


@contextlib.contextmanager
def clocked(clock: Clock) -> Iterator[None]:
    """Daemons started inside read ``clock`` in their alert engine and POS service."""
    from monitord.pos.service import PosService

    factories = services.SERVICE_FACTORIES
    alerts_at = factories.index(services.alert_service)
    pos_at = factories.index(services.pos_service)

    def alert_factory(runtime: Runtime) -> AlertService | None:
        return AlertService(runtime, clock) if runtime.loaded.config.alerts.enabled else None

    def pos_factory(runtime: Runtime) -> PosService | None:
        return PosService(runtime, clock=clock) if runtime.loaded.config.pos.enabled else None

    factories[alerts_at], factories[pos_at] = alert_factory, pos_factory
    try:
        yield
    finally:
        factories[alerts_at], factories[pos_at] = services.alert_service, services.pos_service


@contextlib.asynccontextmanager
async def running(doc: dict[str, Any] | Path, clock: Clock | None = None) -> AsyncIterator[Daemon]:
    """A daemon on ``doc`` (or on a config file, with SIGHUP handled as in production); its
    alert engine (and POS) read ``clock`` (a fresh shifted clock by default, which tests
    move forward with ``settle``). Started by the one daemon harness: a start-up error
    fails the test at once, as itself."""
    if isinstance(doc, Path):
        daemon = Daemon(load_config(doc), handle_signals=True)
    else:
        daemon = Daemon(build_config(doc))
    with clocked(clock or ShiftedClock()):
        async with running_daemon(daemon, stop_timeout=60) as started:
            yield started


def shifted(daemon: Daemon) -> ShiftedClock:
    """The shifted clock ``running`` gave the daemon's alert engine."""
    clock = engine(daemon).clock
    assert isinstance(clock, ShiftedClock)
    return clock


def engine(daemon: Daemon) -> AlertService:
    service = next(s for s in daemon.services if s.name == "alerts")
    assert isinstance(service, AlertService)
    return service


async def rounds(daemon: Daemon, count: int, timeout: float = 30.0) -> None:
    """Wait until the alert engine completed ``count`` more evaluation rounds."""
    service = engine(daemon)
    start = service.rounds
    await eventually(lambda: service.rounds >= start + count, f"{count} evaluation rounds", timeout=timeout)


async def arrived(daemon: Daemon, receiver: Receiver, count: int, timeout: float = 60.0) -> list[Received]:
    """Wait until ``receiver`` has ``count`` messages, moving the engine's clock past each
    group wait instead of sleeping through it (only where grouping is not under test)."""
    service = engine(daemon)
    clock = service.clock
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(receiver.messages) < count and loop.time() < deadline:
        due = service.pipeline.next_flush() if service.pipeline is not None else None
        if due is not None and isinstance(clock, ShiftedClock | ManualClock) and due > clock.now():
            clock.advance(due - clock.now() + 0.01)
        await receiver.wait_for(count, 0.05)
    return list(receiver.messages)


async def settle(daemon: Daemon, timeout: float = 60.0) -> None:
    """Wait until the alert engine has nothing more to say about what it has seen so far:
    no alert waits in a group (the engine's clock is moved past group waits instead of
    sleeping through them) and every message in the outbox reached its endpoint (or
    failed). After this, a message that did not arrive will not arrive for this state."""
    service = engine(daemon)
    clock = service.clock
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    quiet = 0
    while quiet < 3:
        if loop.time() > deadline:
            raise AssertionError(f"the alert engine did not settle within {timeout}s")
        await rounds(daemon, 1, timeout)
        assert service.pipeline is not None and service.deliverer is not None
        due = service.pipeline.next_flush()
        if due is not None and isinstance(clock, ShiftedClock | ManualClock):
            clock.advance(max(0.0, due - clock.now()) + 0.01)
        counts = await service.deliverer.outbox.counts()
        if due is None and counts["pending"] == 0:
            quiet += 1
        else:
            quiet = 0
            service.deliverer.wake()


async def api(
    daemon: Daemon, method: str, path: str, *, token: str = ADMIN_TOKEN, json: Any = None
) -> tuple[int, Any]:
    url = f"http://127.0.0.1:{daemon.http_port}{path}"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, url, headers=headers, json=json, timeout=aiohttp.ClientTimeout(total=10)
        ) as response,
    ):
        return response.status, await response.json()


async def wait_until(check: Any, timeout: float, what: str) -> None:
    """``tests.eventually.eventually`` under its old name and argument order (many tests use it)."""
    await eventually(check, what, timeout=timeout)


async def wait_probed(
    daemon: Daemon, target: str, *, up: bool, kind: str = "tcp", timeout: float = 60.0
) -> None:
    """Wait until the scheduler's latest ``kind`` result for ``target`` is up (or down)."""

    def seen() -> bool:
        result = daemon.scheduler.last_results().get((target, kind))
        return result is not None and result.ok is up

    await eventually(seen, f"{target} to be probed {'up' if up else 'down'}", timeout=timeout)


def write_config(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(doc))
    return path


async def sighup(daemon: Daemon) -> None:
    """Send the test process (the daemon) SIGHUP and wait for the reload to be applied."""
    before = daemon.registry.get_sample_value("monitord_config_reloads_total", {"outcome": "applied"}) or 0
    os.kill(os.getpid(), signal.SIGHUP)

    def applied() -> bool:
        now = daemon.registry.get_sample_value("monitord_config_reloads_total", {"outcome": "applied"})
        return (now or 0) > before

    await eventually(applied, "the reload to be applied")
