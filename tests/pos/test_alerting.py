"""End to end through the alert engine: a whole store going dark is one urgent alert,
not one alert per till; a single missing till is one normal alert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from monitord.daemon import Daemon
from monitord.pos.clock import ManualClock
from tests.daemon_harness import READ_TOKEN, auth, url
from tests.pos.harness import beat, eventually, local, pos_daemon, pos_document


async def _alerts(session: aiohttp.ClientSession, daemon: Daemon) -> list[dict[str, Any]]:
    async with session.get(url(daemon, "/api/v1/alerts")) as response:
        assert response.status == 200, await response.text()
        body = await response.json()
    items = body["alerts"] if isinstance(body, dict) else body
    return [
        a
        for a in items
        if str(a.get("rule", "")).startswith("pos-")
        and a.get("status") == "firing"
        and "store-b" not in str(a.get("target"))
    ]


async def test_store_dark_is_one_urgent_alert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock(local("2026-11-30T12:00:00"))
    document = pos_document(tmp_path, terminals={"a1": {}, "a2": {}, "a3": {}})
    document["alerts"] = {"evaluation_interval": "100ms"}
    async with (
        pos_daemon(document, clock, monkeypatch) as (daemon, _),
        aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
    ):
        for till in ("a1", "a2", "a3"):
            await beat(session, daemon, till)
        # One till falls silent: one normal terminal alert.
        for _ in range(4):
            clock.advance(10)
            await beat(session, daemon, "a2")
            await beat(session, daemon, "a3")

        async def one_terminal_alert() -> list[dict[str, Any]]:
            firing = await _alerts(session, daemon)
            return firing if [a["target"] for a in firing] == ["store-a/a1"] else []

        firing = await eventually(one_terminal_alert, what="one terminal alert")
        assert firing[0]["rule"] == "pos-terminal-missing"
        assert firing[0]["labels"]["priority"] == "normal"
        # Now the rest goes dark too: the store alert, urgent; no alert per remaining till.
        clock.advance(40)

        async def store_alert() -> list[dict[str, Any]]:
            firing = await _alerts(session, daemon)
            return firing if any(a["rule"] == "pos-store-down" for a in firing) else []

        firing = await eventually(store_alert, what="store alert")
        store = next(a for a in firing if a["rule"] == "pos-store-down")
        assert store["target"] == "store-a"
        assert store["labels"]["priority"] == "urgent"
        assert store["reason"] == "store store-a: 3 of 3 terminals down"
        assert len(store["evidence"]) == 3
        assert {a["target"] for a in firing} <= {"store-a", "store-a/a1"}
