"""A reload swaps the register in without forgetting what the tills said."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp
import pytest

from monitord.config.loader import build_config
from monitord.daemon import Daemon
from monitord.pos.clock import ManualClock
from tests.daemon_harness import READ_TOKEN, auth
from tests.pos.harness import (
    beat,
    eventually,
    local,
    pos_daemon,
    pos_document,
    store_state,
    terminal_states,
)


async def test_reload_keeps_state_and_applies_new_hours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(local("2026-11-30T19:00:00"))
    document = pos_document(tmp_path, auto_register=True)
    async with (
        pos_daemon(document, clock, monkeypatch) as (daemon, service),
        aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
    ):
        await beat(session, daemon, "a1", version="1.0")
        await beat(session, daemon, "a5")  # auto-registered
        await eventually(
            lambda: (
                service.register.find("store-a", "a1") is not None
                and service.register.find("store-a", "a1").state == "up"
            ),  # type: ignore[union-attr]
            what="a1 up",
        )
        udp_port = service.udp.port if service.udp else None
        # New file: the store now closes at 18:00, and a third store appears.
        changed = pos_document(tmp_path, auto_register=True, hours={"mon-sat": "08:00-18:00"})
        changed["pos"]["stores"]["store-c"] = {"terminals": {"c1": {}}}
        await daemon.apply(build_config(changed))
        a1 = service.register.find("store-a", "a1")
        assert a1 is not None and a1.version == "1.0" and a1.heartbeats == 1
        assert service.register.find("store-a", "a5") is not None
        assert "store-c" in service.register.stores
        assert service.udp is not None and service.udp.port == udp_port  # unchanged: not restarted
        await eventually(lambda: _closed(session, daemon), what="store closed under the new hours")
        # Moving the UDP listener restarts it on the new address.
        moved = pos_document(tmp_path, auto_register=True, hours={"mon-sat": "08:00-18:00"})
        moved["pos"]["udp"] = {"listen": "127.0.0.2:0"}
        await daemon.apply(build_config(moved))
        assert service.udp is not None and service.udp.listen == "127.0.0.2:0"
        assert "store-c" not in service.register.stores
        # A port already taken: the reload applies, UDP is off, /healthz says why.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
            taken.bind(("127.0.0.1", 0))
            busy = pos_document(tmp_path, auto_register=True, hours={"mon-sat": "08:00-18:00"})
            busy["pos"]["udp"] = {"listen": f"127.0.0.1:{taken.getsockname()[1]}"}
            await daemon.apply(build_config(busy))
            assert service.udp is None
            health = daemon.health.snapshot()["pos"]
            assert not health.ok and "pos.udp.listen" in health.detail
            assert (await beat(session, daemon, "a1")).status == 200  # HTTP still works
        clock.advance(120)
        await eventually(lambda: _till_closed(session, daemon), what="a1 closed")


async def _closed(session: aiohttp.ClientSession, daemon: Daemon) -> bool:
    return bool((await store_state(session, daemon))["state"] == "closed")


async def _till_closed(session: aiohttp.ClientSession, daemon: Daemon) -> bool:
    return (await terminal_states(session, daemon)).get("a1") == "closed"
