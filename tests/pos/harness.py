"""Shared pieces of the POS tests: a daemon whose POS service reads a hand-set clock."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from monitord import services
from monitord.daemon import Daemon
from monitord.pos.clock import ManualClock
from monitord.pos.service import PosService
from monitord.results import ProbeResult
from tests.daemon_harness import base_config, running_daemon, url
from tests.eventually import eventually  # noqa: F401 (POS tests import it from here)

BERLIN = ZoneInfo("Europe/Berlin")
STORE_TOKEN = "store-a-token-0123456789"
TILL_TOKEN = "till-a1-token-0123456789"
OTHER_TOKEN = "store-b-token-0123456789"
UDP_KEY = "store-a-udp-key-0123456789"


def local(text: str) -> datetime:
    """A wall-clock time at the test stores (Europe/Berlin)."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def pos_document(state_dir: Path, *, terminals: dict[str, Any] | None = None, **store: Any) -> dict[str, Any]:
    """Store ``store-a`` (Mon-Sat 08:00-20:00, Berlin) with tills a1, a2 and store ``store-b``."""
    store_a: dict[str, Any] = {
        "token": STORE_TOKEN,
        "udp_key": UDP_KEY,
        "terminals": terminals if terminals is not None else {"a1": {"token": TILL_TOKEN}, "a2": {}},
    }
    store_a.update(store)
    return base_config(
        state_dir,
        storage={"embedded": {"enabled": False}},
        sites={"store-a": {"timezone": "Europe/Berlin"}, "store-b": {"timezone": "Europe/Berlin"}},
        pos={
            "interval": "10s",
            "missed_intervals": 3,
            "down_terminals": 2,
            "evaluate_every": "50ms",
            "hours": {"mon-sat": "08:00-20:00", "sun": "closed"},
            "udp": {"listen": "127.0.0.1:0"},
            "stores": {
                "store-a": store_a,
                "store-b": {"token": OTHER_TOKEN, "terminals": {"b1": {}}},
            },
        },
    )


@contextlib.asynccontextmanager
async def pos_daemon(
    document: dict[str, Any], clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Daemon, PosService]]:
    """A running daemon whose POS service uses ``clock``."""
    factories = services.SERVICE_FACTORIES
    index = factories.index(services.pos_service)
    factories[index] = lambda d: PosService(d, clock=clock)
    try:
        async with running_daemon(document) as daemon:
            service = next(s for s in daemon.services if s.name == "pos")
            assert isinstance(service, PosService)
            yield daemon, service
    finally:
        factories[index] = services.pos_service


class Collector:
    """Every result the daemon publishes, from the moment it subscribes."""

    def __init__(self, daemon: Daemon) -> None:
        self.subscription = daemon.bus.subscribe("pos-test", 100_000)
        self.results: list[ProbeResult] = []

    async def drain(self) -> list[ProbeResult]:
        self.results.extend(await self.subscription.get_batch(100_000, timeout=0.01))
        return self.results

    async def failures(self, kind: str, store: str = "store-a") -> list[ProbeResult]:
        return [r for r in await self.drain() if r.kind == kind and not r.ok and r.tags.get("store") == store]


async def beat(
    session: aiohttp.ClientSession,
    daemon: Daemon,
    terminal: str,
    *,
    store: str = "store-a",
    token: str = STORE_TOKEN,
    **extra: Any,
) -> aiohttp.ClientResponse:
    body = {"terminal": terminal, "store": store, **extra}
    async with session.post(
        url(daemon, "/api/v1/pos/heartbeat"), json=body, headers={"Authorization": f"Bearer {token}"}
    ) as response:
        await response.read()
        return response


async def terminal_states(
    session: aiohttp.ClientSession, daemon: Daemon, store: str = "store-a"
) -> dict[str, str]:
    async with session.get(url(daemon, f"/api/v1/pos/terminals?store={store}")) as response:
        assert response.status == 200
        body = await response.json()
    return {t["terminal"]: t["state"] for t in body["terminals"]}


async def store_state(
    session: aiohttp.ClientSession, daemon: Daemon, store: str = "store-a"
) -> dict[str, Any]:
    async with session.get(url(daemon, f"/api/v1/pos/stores/{store}")) as response:
        assert response.status == 200
        return dict(await response.json())


async def metric(session: aiohttp.ClientSession, daemon: Daemon, transport: str, outcome: str) -> float:
    async with session.get(url(daemon, "/metrics")) as response:
        text = await response.text()
    pattern = (
        rf'^monitord_pos_heartbeats_total\{{outcome="{outcome}",transport="{transport}"\}} '
        r"([0-9.e+]+)$"
    )
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0
