"""Rule coverage, POS: tills send real heartbeats over the daemon's HTTP ingest; the POS
service judges them on a hand-set clock, one evaluation per step (``judge``), so a store
whose tills come back within one step never shows a half-recovered state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from monitord.daemon import Daemon
from monitord.pos.clock import ManualClock
from monitord.pos.service import PosService
from tests.alerts.coverage.matrix import Incident, matrix_doc
from tests.alerts.harness import READ_TOKEN
from tests.daemon_harness import auth
from tests.pos.harness import beat, local, pos_daemon, pos_document, terminal_states
from tests.servers.receiver import Receiver

TILLS = ("a1", "a2", "a3")


def pos_doc(tmp_path: Path, receiver: Receiver) -> dict[str, Any]:
    """Store ``store-a`` alone (tills a1-a3, 10 s heartbeats, down after 3 missed, store down at 2)."""
    pos = pos_document(tmp_path, terminals={till: {} for till in TILLS})
    del pos["pos"]["stores"]["store-b"]
    del pos["sites"]["store-b"]
    pos["pos"]["evaluate_every"] = "1h"  # the test judges, after each step (no half steps)
    return matrix_doc(tmp_path, [], receiver, pos=pos["pos"], sites=pos["sites"])


async def opening(session: aiohttp.ClientSession, daemon: Daemon, service: PosService) -> None:
    """Every till sends its first heartbeat; the store is open and all tills are up."""
    for till in TILLS:
        response = await beat(session, daemon, till)
        assert response.status in (200, 202, 204), response.status
    service.evaluate_once()
    assert await terminal_states(session, daemon) == dict.fromkeys(TILLS, "up")


@pytest.mark.rule_coverage("pos-terminal-missing")
async def test_pos_terminal_missing(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(local("2026-11-30T12:00:00"))  # a Monday, open 08:00-20:00
    async with (
        pos_daemon(pos_doc(tmp_path, receiver), clock, monkeypatch) as (daemon, service),
        aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
    ):
        incident = Incident(daemon, receiver, "pos-terminal-missing", "store-a/a1")
        await opening(session, daemon, service)
        await incident.no_news_yet()
        for _ in range(4):  # a1 falls silent for 40 s; a2 and a3 keep beating
            clock.advance(10)
            for till in ("a2", "a3"):
                await beat(session, daemon, till)
            service.evaluate_once()
        await incident.fired()
        await beat(session, daemon, "a1")
        service.evaluate_once()
        await incident.resolved()


@pytest.mark.rule_coverage("pos-store-down")
async def test_pos_store_down(tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock(local("2026-11-30T12:00:00"))
    async with (
        pos_daemon(pos_doc(tmp_path, receiver), clock, monkeypatch) as (daemon, service),
        aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
    ):
        incident = Incident(daemon, receiver, "pos-store-down", "store-a")
        await opening(session, daemon, service)
        await incident.no_news_yet()
        clock.advance(40)  # the whole store goes dark: one store alert, not one per till
        service.evaluate_once()
        await incident.fired()
        assert "3 of 3 terminals down" in receiver.messages[0].body
        for till in TILLS:
            await beat(session, daemon, till)
        service.evaluate_once()
        await incident.resolved()
