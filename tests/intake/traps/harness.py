"""A real daemon with the trap receiver on a free loopback port, and what it published."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from monitord.bus import Subscription
from monitord.daemon import Daemon
from monitord.intake.traps.service import TrapService
from monitord.results import ProbeResult
from tests.daemon_harness import base_config, running_daemon
from tests.eventually import eventually
from tests.intake.traps.netsnmp import V3User

COMMUNITY = "public"
USER = V3User()


def traps_section(**changes: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "enabled": True,
        "listen": ["127.0.0.1:0"],
        "communities": [COMMUNITY],
        "users": [USER.config()],
        "engine_id": "0x80001f8880aabbccdd",
    }
    section.update(changes)
    return section


def trap_doc(tmp_path: Path, targets: list[dict[str, Any]] | None = None, **changes: Any) -> dict[str, Any]:
    return base_config(
        tmp_path / "state",
        storage={"embedded": {"enabled": False}},
        targets=targets if targets is not None else [{"name": "sw1", "address": "127.0.0.1", "site": "hq"}],
        snmp_traps=traps_section(**changes),
    )


def service(daemon: Daemon) -> TrapService:
    found = next(s for s in daemon.services if s.name == "snmp_traps")
    assert isinstance(found, TrapService)
    return found


def port(daemon: Daemon) -> int:
    listener = service(daemon).listener
    assert listener is not None and listener.ports
    return listener.ports[0]


def metric(daemon: Daemon, name: str, **labels: str) -> float:
    return daemon.registry.get_sample_value(f"monitord_snmp_traps_{name}_total", labels) or 0.0


class Published:
    """Every result on the daemon's bus since the test subscribed."""

    def __init__(self, subscription: Subscription) -> None:
        self.subscription = subscription
        self.results: list[ProbeResult] = []

    async def drain(self) -> list[ProbeResult]:
        self.results += await self.subscription.get_batch(100_000, timeout=0.01)
        return self.results

    async def wait(self, count: int, measurement: str = "snmp_trap") -> list[ProbeResult]:
        async def enough() -> list[ProbeResult] | None:
            found = [r for r in await self.drain() if r.measurement == measurement]
            return found if len(found) >= count else None

        found: list[ProbeResult] = await eventually(enough, f"{count} {measurement} results")
        return found


@contextlib.asynccontextmanager
async def receiving(doc: dict[str, Any]) -> AsyncIterator[tuple[Daemon, Published]]:
    async with running_daemon(doc) as daemon:
        subscription = daemon.bus.subscribe("test", 100_000)
        try:
            yield daemon, Published(subscription)
        finally:
            daemon.bus.unsubscribe(subscription)
