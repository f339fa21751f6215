"""The POS register API refuses out-of-range durations and control characters (issue 13, 8 and 11)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from monitord.pos.clock import ManualClock
from tests.daemon_harness import ADMIN_TOKEN, auth, url
from tests.pos.harness import STORE_TOKEN, local, pos_daemon, pos_document

OPEN_TIME = local("2026-11-30T12:00:00")  # a Monday
JSON = {"Content-Type": "application/json"}


async def test_terminal_interval_out_of_range_is_422_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(OPEN_TIME)
    async with (
        pos_daemon(pos_document(tmp_path), clock, monkeypatch) as (daemon, service),
        aiohttp.ClientSession(headers=auth(ADMIN_TOKEN)) as session,
    ):
        path = url(daemon, "/api/v1/pos/stores/store-a/terminals/a7")
        # 1e300 s and 100000000 weeks are a till that never goes overdue; 1e-300 s was shown as 0ms.
        for raw in ("1e300", '"100000000w"', "1e-300", "0.5", '"2d"', "0", "-5", "1" + "0" * 400):
            async with session.put(path, data=f'{{"interval": {raw}}}', headers=JSON) as response:
                body = await response.json()
                assert response.status == 422, (raw, body)
                assert body["field"] == "interval", raw
                assert "between 1s and 1d" in body["error"] or "not a duration" in body["error"], body
        assert "a7" not in service.register.stores["store-a"].terminals
        async with session.put(path, json={"interval": "1d"}) as response:
            assert response.status == 201
            assert (await response.json())["interval"] == "1d"


async def test_heartbeat_store_name_with_nul_is_422(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock(OPEN_TIME)
    async with (
        pos_daemon(pos_document(tmp_path), clock, monkeypatch) as (daemon, _),
        aiohttp.ClientSession(headers=auth(STORE_TOKEN)) as session,
    ):
        for body, field in (
            ({"terminal": "a2", "store": "store-a\u0000"}, "store"),
            ({"terminal": "a2", "store": "store-a", "version": "4.2\u0007"}, "version"),
            ({"terminal": "a2", "store": "store-a", "status": {"printer": "ok\u0000"}}, "status.printer"),
        ):
            async with session.post(url(daemon, "/api/v1/pos/heartbeat"), json=body) as response:
                answer = await response.json()
                assert response.status == 422, answer
                assert answer["field"] == field


async def test_an_unknown_state_filter_is_422_not_an_empty_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(OPEN_TIME)
    async with (
        pos_daemon(pos_document(tmp_path), clock, monkeypatch) as (daemon, _service),
        aiohttp.ClientSession(headers=auth(ADMIN_TOKEN)) as session,
    ):
        for path in ("/api/v1/pos/stores?state=weird", "/api/v1/pos/terminals?state=weird"):
            async with session.get(url(daemon, path)) as response:
                body = await response.json()
                assert (response.status, body["field"]) == (422, "state"), (path, body)
        async with session.get(url(daemon, "/api/v1/pos/stores?state=open")) as response:
            assert response.status == 200
