"""HTTP heartbeats against a running daemon: accepted, refused with the right 4xx, counted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from monitord.daemon import Daemon
from monitord.pos.clock import ManualClock
from tests.daemon_harness import ADMIN_TOKEN, READ_TOKEN, auth, url
from tests.pos.harness import (
    OTHER_TOKEN,
    STORE_TOKEN,
    TILL_TOKEN,
    UDP_KEY,
    beat,
    eventually,
    local,
    metric,
    pos_daemon,
    pos_document,
    terminal_states,
)

OPEN_TIME = local("2026-11-30T12:00:00")  # a Monday


async def test_store_token_heartbeat_makes_terminal_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(OPEN_TIME)
    async with (
        pos_daemon(pos_document(tmp_path), clock, monkeypatch) as (daemon, _),
        aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
    ):
        response = await beat(
            session,
            daemon,
            "a2",
            version="4.2.1",
            status={"queue_length": 3, "printer": "paper_low", "last_transaction": "2026-11-30T10:59:00Z"},
        )
        assert response.status == 200
        states = await eventually(lambda: _up(session, daemon, "a2"), what="a2 up")
        assert states["a2"] == "up"
        async with session.get(url(daemon, "/api/v1/pos/terminals?store=store-a")) as got:
            body = await got.json()
        a2 = next(t for t in body["terminals"] if t["terminal"] == "a2")
        assert a2["version"] == "4.2.1"
        assert a2["reported"]["queue_length"] == 3
        assert a2["reported"]["printer"] == "paper_low"
        assert a2["reported"]["last_transaction"].startswith("2026-11-30T10:59:00")
        assert a2["seen_address"] == "127.0.0.1"
        assert a2["transport"] == "http"
        assert await metric(session, daemon, "http", "accepted") == 1


async def _up(session: aiohttp.ClientSession, daemon: Daemon, terminal: str) -> dict[str, str] | None:
    states = await terminal_states(session, daemon)
    return states if states.get(terminal) == "up" else None


async def test_refusals_are_4xx_counted_and_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(OPEN_TIME)
    async with (
        pos_daemon(pos_document(tmp_path), clock, monkeypatch) as (daemon, service),
        aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
    ):
        endpoint = url(daemon, "/api/v1/pos/heartbeat")
        cases: list[tuple[dict[str, str], bytes, int, str]] = [
            ({}, b'{"terminal":"a1","store":"store-a"}', 401, "unauthorized"),
            (auth(ADMIN_TOKEN), b'{"terminal":"a1","store":"store-a"}', 401, "unauthorized"),
            (auth(OTHER_TOKEN), b'{"terminal":"a1","store":"store-a"}', 403, "forbidden"),
            (auth(TILL_TOKEN), b'{"terminal":"a2","store":"store-a"}', 403, "forbidden"),
            (auth(STORE_TOKEN), b'{"terminal":"zz9","store":"store-a"}', 404, "unknown_terminal"),
            (auth(STORE_TOKEN), b'{"terminal":"a1","store":', 422, "malformed"),
            (auth(STORE_TOKEN), b'{"terminal":"a1","store":"store-a","extra":1}', 422, "malformed"),
            (auth(STORE_TOKEN), b'{"terminal":"a 1","store":"store-a"}', 422, "malformed"),
            (
                auth(STORE_TOKEN),
                b'{"terminal":"a1","store":"store-a","status":{"queue_length":-1}}',
                422,
                "malformed",
            ),
            (auth(STORE_TOKEN), b"[1, 2]", 422, "malformed"),
            (
                auth(STORE_TOKEN),
                b'{"terminal":"a1","store":"store-a","version":"' + b"x" * 5000 + b'"}',
                413,
                "oversized",
            ),
        ]
        for headers, body, status, outcome in cases:
            before = await metric(session, daemon, "http", outcome)
            async with session.post(
                endpoint, data=body, headers={**headers, "Content-Type": "application/json"}
            ) as response:
                answer = await response.json()
                assert response.status == status, (body[:60], answer)
                assert "error" in answer
                assert "Traceback" not in answer["error"]
            assert await metric(session, daemon, "http", outcome) == before + 1, outcome
        async with session.post(
            endpoint, data=b"terminal=a1", headers={**auth(STORE_TOKEN), "Content-Type": "text/plain"}
        ) as response:
            assert response.status == 415
        # Chunked upload without Content-Length is still cut off at the limit.

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b" " * 1000

        async with session.post(
            endpoint, data=chunks(), headers={**auth(STORE_TOKEN), "Content-Type": "application/json"}
        ) as response:
            assert response.status == 413
        assert set(service.register.stores["store-a"].terminals) == {"a1", "a2"}
        assert all(t.last_seen is None for t in service.register.terminals())
        assert await metric(session, daemon, "http", "accepted") == 0
        # Unknown store named with a valid token for another store: forbidden, not created.
        assert set(service.register.stores) == {"store-a", "store-b"}


async def test_terminal_token_and_auto_registration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock(OPEN_TIME)
    document = pos_document(tmp_path, auto_register=True)
    async with (
        pos_daemon(document, clock, monkeypatch) as (daemon, service),
        aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
    ):
        assert (await beat(session, daemon, "a1", token=TILL_TOKEN)).status == 200
        assert (await beat(session, daemon, "a9")).status == 200
        assert "a9" in service.register.stores["store-a"].terminals
        assert service.register.stores["store-a"].terminals["a9"].source == "auto"
        assert await metric(session, daemon, "http", "auto_registered") == 1
        # store-b does not auto-register.
        assert (await beat(session, daemon, "b9", store="store-b", token=OTHER_TOKEN)).status == 404
        assert "b9" not in service.register.stores["store-b"].terminals
        await eventually(lambda: _up(session, daemon, "a9"), what="a9 up")
    # The auto-registered till survives a restart (persisted in the state store).
    clock2 = ManualClock(OPEN_TIME)
    async with pos_daemon(document, clock2, monkeypatch) as (daemon, service):
        assert service.register.stores["store-a"].terminals["a9"].source == "auto"


async def test_register_api_needs_admin_and_keeps_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(OPEN_TIME)
    async with (
        pos_daemon(pos_document(tmp_path), clock, monkeypatch) as (daemon, service),
        aiohttp.ClientSession() as session,
    ):
        path = url(daemon, "/api/v1/pos/stores/store-a/terminals/a7")
        async with session.put(
            path, json={"address": "127.0.0.77", "interval": "20s"}, headers=auth(READ_TOKEN)
        ) as response:
            assert response.status == 403
        async with session.put(
            path, json={"address": "not an address!"}, headers=auth(ADMIN_TOKEN)
        ) as response:
            assert response.status == 422
            assert (await response.json())["field"] == "address"
        for interval in ("Infinity", "1e400", "NaN", "-Infinity"):  # json.loads takes all four
            async with session.put(
                path,
                data=f'{{"interval": {interval}}}',
                headers={**auth(ADMIN_TOKEN), "Content-Type": "application/json"},
            ) as response:
                assert response.status == 422, interval
                assert (await response.json())["field"] == "interval"
        async with session.put(
            path, json={"address": "127.0.0.77", "interval": "20s"}, headers=auth(ADMIN_TOKEN)
        ) as response:
            assert response.status == 201
            assert (await response.json())["interval"] == "20s"
        async with session.put(path, json={}, headers=auth(ADMIN_TOKEN)) as response:
            assert response.status == 409
        async with session.delete(
            url(daemon, "/api/v1/pos/stores/store-a/terminals/a1"), headers=auth(ADMIN_TOKEN)
        ) as response:
            assert response.status == 409  # configured in the file
        async with session.get(url(daemon, "/api/v1/pos/stores"), headers=auth(READ_TOKEN)) as response:
            text = await response.text()
            stores = (await response.json())["stores"]
        assert {s["store"] for s in stores} == {"store-a", "store-b"}
        store_a = next(s for s in stores if s["store"] == "store-a")
        assert store_a["timezone"] == "Europe/Berlin"
        assert store_a["hours"]["mon"] == ["08:00-20:00"] and store_a["hours"]["sun"] == ["closed"]
        assert store_a["open"] is True
        for secret in (STORE_TOKEN, TILL_TOKEN, OTHER_TOKEN, UDP_KEY):
            assert secret not in text
            assert secret not in repr(daemon.loaded.config.pos)
        async with session.get(url(daemon, "/api/v1/pos/terminals"), headers=auth(READ_TOKEN)) as response:
            terminals = (await response.json())["terminals"]
        a7 = next(t for t in terminals if t["terminal"] == "a7")
        assert a7["address"] == "127.0.0.77" and a7["source"] == "api"
        async with session.delete(path, headers=auth(ADMIN_TOKEN)) as response:
            assert response.status == 204
        assert "a7" not in service.register.stores["store-a"].terminals
        async with session.get(
            url(daemon, "/api/v1/pos/terminals?store=nope"), headers=auth(READ_TOKEN)
        ) as response:
            assert response.status == 404
        async with session.get(
            url(daemon, "/api/v1/pos/terminals?bogus=1"), headers=auth(READ_TOKEN)
        ) as response:
            assert response.status in (400, 422)


async def test_terminal_address_from_ipam(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock(OPEN_TIME)
    async with (
        pos_daemon(pos_document(tmp_path), clock, monkeypatch) as (daemon, service),
        aiohttp.ClientSession(headers=auth(ADMIN_TOKEN)) as session,
    ):
        async with session.post(
            url(daemon, "/api/v1/ipam/subnets"), json={"cidr": "127.0.42.0/24", "site": "store-a"}
        ) as response:
            assert response.status == 201, await response.text()
            subnet = await response.json()
        async with session.post(
            url(daemon, f"/api/v1/ipam/subnets/{subnet['id']}/allocate"),
            json={"address": "127.0.42.17", "hostname": "store-a-a2"},
        ) as response:
            assert response.status in (200, 201), await response.text()
        await service.refresh_ipam()
        async with session.get(url(daemon, "/api/v1/pos/terminals?store=store-a")) as response:
            terminals = {t["terminal"]: t for t in (await response.json())["terminals"]}
        assert terminals["a2"]["address"] == "127.0.42.17"
        assert terminals["a1"]["address"] is None
