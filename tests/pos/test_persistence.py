"""Tills registered at run time (automatically or through the API) survive a restart,
and a removal sticks, on both state-store back ends."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from monitord.pos.clock import ManualClock
from tests.daemon_harness import ADMIN_TOKEN, READ_TOKEN, auth, url
from tests.pos.harness import beat, local, pos_daemon, pos_document


@pytest.mark.root
async def test_runtime_terminals_survive_restart(
    state_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = pos_document(tmp_path, auto_register=True)
    document["storage"]["state_url"] = state_url
    clock = ManualClock(local("2026-11-30T12:00:00"))
    async with (
        pos_daemon(document, clock, monkeypatch) as (daemon, service),
        aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
    ):
        assert (await beat(session, daemon, "a8")).status == 200
        assert (await beat(session, daemon, "a9")).status == 200
        async with session.put(
            url(daemon, "/api/v1/pos/stores/store-a/terminals/a7"),
            json={"address": "127.0.0.70"},
            headers=auth(ADMIN_TOKEN),
        ) as response:
            assert response.status == 201
        async with session.delete(
            url(daemon, "/api/v1/pos/stores/store-a/terminals/a9"), headers=auth(ADMIN_TOKEN)
        ) as response:
            assert response.status == 204
    async with pos_daemon(document, ManualClock(clock.now()), monkeypatch) as (_, service):
        terminals = service.register.stores["store-a"].terminals
        assert set(terminals) == {"a1", "a2", "a7", "a8"}
        assert terminals["a7"].source == "api" and terminals["a7"].address == "127.0.0.70"
        assert terminals["a8"].source == "auto"
        # Restored tills start pending like every other till after a start.
        assert terminals["a8"].last_seen is None
