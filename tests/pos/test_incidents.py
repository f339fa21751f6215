"""POS stores through the alert engine to a real ``json://`` receiver: a restart while a
store is dark neither resolves nor re-fires it (finding 7), and a store whose WAN router
is down is one incident with its router: one ticket, one message (finding 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from monitord.clock import ManualClock
from monitord.daemon import Daemon
from tests.alerts.coverage.matrix import built_in
from tests.alerts.harness import Listener, api, engine, rounds, running, settle, tcp_target, wait_until
from tests.daemon_harness import ADMIN_TOKEN, READ_TOKEN, auth
from tests.pos.harness import beat, local, pos_document
from tests.servers.receiver import Receiver


def store_doc(tmp_path: Path, receiver: Receiver, **store: Any) -> dict[str, Any]:
    """Store ``store-a`` (tills a1, a2; two dark tills make it down) with every built-in rule."""
    doc = pos_document(tmp_path, **store)
    del doc["pos"]["stores"]["store-b"]
    doc["alerts"] = {"evaluation_interval": "0.1s", "dependency_grace": "3s"}
    doc["notify"] = {
        "routes": [
            {
                "name": "oncall",
                "urls": [receiver.url()],
                "group_wait": "0.5s",
                "group_interval": "1s",
                "repeat_interval": "1h",
            }
        ],
        "retry_initial": "0.5s",
        "retry_max": "2s",
    }
    return doc


async def _beat_all(daemon: Daemon) -> None:
    async with aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session:
        for till in ("a1", "a2"):
            assert (await beat(session, daemon, till)).status == 200


def _firing(daemon: Daemon) -> dict[str, str]:
    return {a.target: a.rule for a in engine(daemon).evaluator.alerts.values() if a.status == "firing"}


async def test_restart_while_a_store_is_dark_sends_nothing_until_it_is_back(
    tmp_path: Path, receiver: Receiver
) -> None:
    clock = ManualClock(local("2026-11-30T12:00:00"))
    doc = store_doc(tmp_path, receiver)
    async with running(doc, clock) as daemon:
        await _beat_all(daemon)
        clock.advance(40)  # both tills silent for more than 3 x 10 s
        await wait_until(lambda: _firing(daemon) == {"store-a": "pos-store-down"}, 30, "the store alert")
        await settle(daemon)
        assert len(receiver.messages) == 1 and "FIRING pos-store-down on store-a" in receiver.messages[0].body
        _, body = await api(daemon, "GET", "/api/v1/tickets", token=ADMIN_TOKEN)
        (ticket,) = body["tickets"]

    clock.advance(20)  # the daemon was away for a while; the tills are still dark
    async with running(doc, clock) as daemon:
        for _ in range(10):  # through the start grace (3 x 10 s) and past it
            clock.advance(5)
            await settle(daemon)
        assert _firing(daemon) == {"store-a": "pos-store-down"}
        assert len(receiver.messages) == 1, [m.title for m in receiver.messages]
        _, body = await api(daemon, "GET", "/api/v1/tickets", token=ADMIN_TOKEN)
        assert [t["id"] for t in body["tickets"]] == [ticket["id"]]

        await _beat_all(daemon)
        await wait_until(lambda: _firing(daemon) == {}, 30, "the store to recover")
        await settle(daemon)
        titles = [m.title for m in receiver.messages]
        assert len(titles) == 2 and "RESOLVED" in titles[1], titles


async def test_store_behind_a_down_router_is_one_incident(tmp_path: Path, receiver: Receiver) -> None:
    router = Listener()
    await router.open()
    try:
        await _router_down_and_back(tmp_path, receiver, router)
    finally:
        await router.close()


async def _router_down_and_back(tmp_path: Path, receiver: Receiver, router: Listener) -> None:
    clock = ManualClock(local("2026-11-30T12:00:00"))
    doc = store_doc(tmp_path, receiver, router="store-a-router")
    doc["targets"] = [tcp_target("store-a-router", router.port, site="store-a", criticality="urgent")]
    # The router's alert waits out a hold (the built-in one is 30 s) while the store's fires
    # at once: the store must still not page on its own.
    doc["alerts"]["rules"] = [built_in("tcp-service-down", for_="2s")]
    async with running(doc, clock) as daemon:
        await _beat_all(daemon)
        await router.close()
        await wait_until(lambda: "store-a" in _firing(daemon), 30, "the store alert")
        clock.advance(1)  # the store's group wait is over while the router's hold is not
        await rounds(daemon, 3)
        assert receiver.messages == []  # held: the router's verdict is not in yet
        both = {"store-a-router": "tcp-service-down", "store-a": "pos-store-down"}
        await wait_until(lambda: _firing(daemon) == both, 30, "router and store alerts")
        await settle(daemon)
        assert len(receiver.messages) == 1, [m.body for m in receiver.messages]
        message = receiver.messages[0]
        assert "[URGENT] FIRING" in message.title
        assert "tcp-service-down on store-a-router" in message.body and "+1 dependent alerts" in message.body
        assert "pos-store-down" not in message.body
        _, body = await api(daemon, "GET", "/api/v1/tickets?status=open", token=ADMIN_TOKEN)
        (ticket,) = body["tickets"]
        assert ticket["target"] == "store-a-router"
        alerts = {a.target: a.ticket_id for a in engine(daemon).evaluator.alerts.values()}
        assert alerts == {"store-a-router": ticket["id"], "store-a": ticket["id"]}

        await router.open()
        await _beat_all(daemon)
        await wait_until(lambda: _firing(daemon) == {}, 30, "router and store to recover")
        clock.advance(5)  # past dependency_grace: the store's recovery is recorded, not announced
        await settle(daemon)
        titles = [m.title for m in receiver.messages]
        assert len(titles) == 2 and "RESOLVED" in titles[1], titles
        assert "store-a-router" in receiver.messages[1].body
