"""Absence detection in a running daemon: opening-hours edges, holidays, a store going dark,
its WAN router failing, and poll mode. The clock is hand-set; the evaluator runs for real."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from monitord.daemon import Daemon
from monitord.pos.clock import ManualClock
from tests.daemon_harness import READ_TOKEN, auth, url
from tests.pos.harness import (
    Collector,
    beat,
    eventually,
    local,
    pos_daemon,
    pos_document,
    store_state,
    terminal_states,
)


def _states_are(
    session: aiohttp.ClientSession, daemon: Daemon, expected: dict[str, str]
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        states = await terminal_states(session, daemon)
        return all(states.get(k) == v for k, v in expected.items())

    return check


def _store_is(session: aiohttp.ClientSession, daemon: Daemon, state: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return bool((await store_state(session, daemon))["state"] == state)

    return check


async def test_till_stopping_at_closing_time_is_closed_not_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(local("2026-11-30T19:59:00"))  # Monday, closes at 20:00
    async with (
        pos_daemon(pos_document(tmp_path), clock, monkeypatch) as (daemon, _),
        aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
    ):
        collector = Collector(daemon)
        for till in ("a1", "a2"):
            assert (await beat(session, daemon, till)).status == 200
        await eventually(_states_are(session, daemon, {"a1": "up", "a2": "up"}), what="both up")
        await eventually(_store_is(session, daemon, "open"), what="store open")
        # Both tills shut down with the shop: 20:00:00 is closing time, 20:05 well past.
        clock.set(local("2026-11-30T20:00:00"))
        await eventually(_store_is(session, daemon, "closed"), what="store closed")
        clock.set(local("2026-11-30T20:05:00"))
        await eventually(_states_are(session, daemon, {"a1": "closed", "a2": "closed"}), what="closed")
        # Overnight and Sunday stay closed without a heartbeat.
        clock.set(local("2026-12-06T12:00:00"))
        await asyncio.sleep(0.3)
        assert (await store_state(session, daemon))["state"] == "closed"
        # Monday 08:00: tills get the grace of N intervals after opening, then are down.
        clock.set(local("2026-12-07T08:00:10"))
        await eventually(_states_are(session, daemon, {"a1": "pending", "a2": "pending"}), what="pending")
        assert await collector.failures("pos_terminal") == []
        assert await collector.failures("pos_store") == []
        closed = [
            r for r in await collector.drain() if r.kind == "pos_terminal" and r.fields["state"] == "closed"
        ]
        assert closed and all(r.ok and r.fields["up"] == 1 and r.fields["alive"] == 0 for r in closed)
        assert (await store_state(session, daemon))["terminals_expected"] == 2


async def test_till_stopping_before_closing_is_one_terminal_alert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock(local("2026-11-30T19:50:00"))
    async with (
        pos_daemon(pos_document(tmp_path), clock, monkeypatch) as (daemon, _),
        aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
    ):
        collector = Collector(daemon)
        for till in ("a1", "a2"):
            await beat(session, daemon, till)
        await eventually(_states_are(session, daemon, {"a1": "up", "a2": "up"}), what="both up")
        # a2 keeps sending; a1 falls silent 10 minutes before closing: 3 x 10 s later it is down.
        for _ in range(4):
            clock.advance(10)
            await beat(session, daemon, "a2")
        await eventually(_states_are(session, daemon, {"a1": "down", "a2": "up"}), what="a1 down")
        failures = await collector.failures("pos_terminal")
        assert [r.target for r in failures] == ["store-a/a1"]
        assert "no heartbeat for 40s" in (failures[0].reason or "")
        assert failures[0].fields["up"] == 0 and failures[0].tags["store"] == "store-a"
        # One till of two down is below down_terminals=2: no store alert.
        assert await collector.failures("pos_store") == []
        assert (await store_state(session, daemon))["state"] == "open"
        # a1 comes back.
        await beat(session, daemon, "a1")
        await eventually(_states_are(session, daemon, {"a1": "up"}), what="a1 back")
        back = [r for r in await collector.drain() if r.target == "store-a/a1" and r.ok]
        assert back and back[-1].fields["state"] == "up"


async def test_holiday_is_closed_all_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock(local("2026-12-25T11:00:00"))  # a Friday, normally open
    document = pos_document(tmp_path, holidays=["2026-12-25", "2026-12-26"])
    async with (
        pos_daemon(document, clock, monkeypatch) as (daemon, _),
        aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
    ):
        collector = Collector(daemon)
        clock.advance(3600)
        await eventually(_states_are(session, daemon, {"a1": "closed", "a2": "closed"}), what="closed")
        body = await store_state(session, daemon)
        assert body["state"] == "closed" and body["open"] is False
        assert body["holidays"] == ["2026-12-25", "2026-12-26"]
        assert body["next_change"].startswith("2026-12-28T07:00:00")  # Monday 08:00 Berlin
        clock.set(local("2026-12-26T19:00:00"))
        await asyncio.sleep(0.3)
        assert await collector.failures("pos_terminal") == []
        assert await collector.failures("pos_store") == []
        # The next working day the dark tills are noticed (one store alert, see below).
        clock.set(local("2026-12-28T08:01:00"))
        await eventually(_store_is(session, daemon, "down"), what="store down after holiday")


async def test_whole_store_dark_is_one_store_alert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock(local("2026-11-30T12:00:00"))
    document = pos_document(tmp_path, terminals={"a1": {}, "a2": {}, "a3": {}, "a4": {}})
    async with (
        pos_daemon(document, clock, monkeypatch) as (daemon, _),
        aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
    ):
        collector = Collector(daemon)
        tills = ("a1", "a2", "a3", "a4")
        for till in tills:
            await beat(session, daemon, till)
        await eventually(_states_are(session, daemon, dict.fromkeys(tills, "up")), what="all up")
        clock.advance(31)
        await eventually(_store_is(session, daemon, "down"), what="store down")
        states = await terminal_states(session, daemon)
        assert set(states.values()) == {"unreachable"}
        store_failures = await collector.failures("pos_store")
        assert len(store_failures) == 1
        failure = store_failures[0]
        assert failure.target == "store-a"
        assert failure.reason == "store store-a: 4 of 4 terminals down"
        assert failure.fields["terminals_up"] == 0 and failure.fields["terminals_expected"] == 4
        assert len(failure.evidence) == 4
        # Not one alert per till.
        assert await collector.failures("pos_terminal") == []
        # The store comes back.
        for till in tills:
            await beat(session, daemon, till)
        await eventually(_store_is(session, daemon, "open"), what="store open again")
        recovered = [r for r in await collector.drain() if r.kind == "pos_store"]
        assert recovered[-1].ok and recovered[-1].fields["terminals_up"] == 4


@contextlib.asynccontextmanager
async def _listening() -> AsyncIterator[tuple[asyncio.Server, int]]:
    """A TCP listener on a port the kernel picks (no race with other tests for the port)."""

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield server, int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()


async def test_wan_router_down_and_poll_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with _listening() as (router, router_port), _listening() as (till, till_port):
        await _router_and_poll(tmp_path, monkeypatch, router, router_port, till, till_port)


async def _router_and_poll(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    router: asyncio.Server,
    router_port: int,
    till: asyncio.Server,
    till_port: int,
) -> None:
    clock = ManualClock(local("2026-11-30T12:00:00"))
    document = pos_document(
        tmp_path,
        router="store-a-router",
        terminals={"a1": {"poll": "store-a-till-1"}, "a2": {}},
    )
    document["targets"] = [
        {
            "name": "store-a-router",
            "address": "127.0.0.1",
            "site": "store-a",
            "probes": {"tcp": {"port": router_port, "interval": "200ms", "timeout": "1s"}},
        },
        {
            "name": "store-a-till-1",
            "address": "127.0.0.1",
            "site": "store-a",
            "probes": {"tcp": {"port": till_port, "interval": "200ms", "timeout": "1s"}},
        },
    ]
    async with (
        pos_daemon(document, clock, monkeypatch) as (daemon, service),
        aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
    ):
        collector = Collector(daemon)
        # Poll mode: a1 is up from tcp probe results alone; its interval is the probe's.
        await eventually(_states_are(session, daemon, {"a1": "up"}), what="a1 up by polling")
        a1 = service.register.find("store-a", "a1")
        assert a1 is not None and a1.transport == "poll" and a1.interval == 0.2
        assert a1.address == "127.0.0.1"
        await beat(session, daemon, "a2")
        await eventually(lambda: service.register.stores["store-a"].router_up is True, what="router up")
        # The WAN router stops answering: the store is down at once, as one result.
        router.close()
        await router.wait_closed()
        await eventually(_store_is(session, daemon, "down"), what="store down by router")
        body = await store_state(session, daemon)
        assert body["router_up"] is False
        assert body["reason"].startswith("WAN router store-a-router down")
        failures = await collector.failures("pos_store")
        assert len(failures) == 1 and "WAN router store-a-router down" in (failures[0].reason or "")
        # The polled till stops answering; time passes: it is dark behind a dead router.
        till.close()
        await till.wait_closed()
        await asyncio.sleep(0.5)
        clock.advance(60)
        await eventually(
            _states_are(session, daemon, {"a1": "unreachable", "a2": "unreachable"}), what="tills unreachable"
        )
        assert await collector.failures("pos_terminal") == []
        # Periodic re-reports of the same store failure, never one result per till.
        store_results = [
            r for r in await collector.drain() if r.kind == "pos_store" and r.target == "store-a"
        ]
        assert store_results and not any(r.ok for r in store_results)
        assert {r.reason for r in store_results} == {failures[0].reason}


@pytest.mark.root
async def test_poll_mode_with_icmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock(local("2026-11-30T12:00:00"))
    document = pos_document(tmp_path, terminals={"a1": {"poll": "store-a-till-1"}})
    document["targets"] = [
        {
            "name": "store-a-till-1",
            "address": "127.0.0.31",
            "site": "store-a",
            "probes": {
                "icmp": {
                    "interval": "500ms",
                    "timeout": "1500ms",
                    "count": 2,
                    "echo_interval": "100ms",
                    "echo_timeout": "1s",
                }
            },
        },
    ]
    async with (
        pos_daemon(document, clock, monkeypatch) as (daemon, service),
        aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
    ):
        await eventually(_states_are(session, daemon, {"a1": "up"}), what="a1 up by ping")
        a1 = service.register.find("store-a", "a1")
        assert a1 is not None and a1.transport == "poll" and a1.interval == 0.5
        async with session.get(url(daemon, "/api/v1/pos/terminals?store=store-a")) as response:
            body = await response.json()
        assert body["terminals"][0]["address"] == "127.0.0.31"
