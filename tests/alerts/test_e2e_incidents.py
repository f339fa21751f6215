"""End to end with a real daemon: dependencies, flapping and silences."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.alerts.harness import (
    Listener,
    api,
    arrived,
    config_doc,
    engine,
    running,
    settle,
    shifted,
    tcp_target,
    wait_probed,
    wait_until,
)
from tests.servers.receiver import Receiver


async def test_parent_down_gives_one_incident_message_not_n(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener]
) -> None:
    router = listeners()
    children = [listeners() for _ in range(6)]
    for listener in [router, *children]:
        await listener.open()
    targets = [tcp_target("store-7-router", router.port, site="store-7")]
    targets += [
        tcp_target(f"store-7-till-{i}", c.port, site="store-7", parent="store-7-router")
        for i, c in enumerate(children)
    ]
    doc = config_doc(tmp_path, targets, receiver.url(), route={"group_wait": "1m"})
    async with running(doc) as daemon:
        for name in ["store-7-router", *(f"store-7-till-{i}" for i in range(len(children)))]:
            await wait_probed(daemon, name, up=True)
        for listener in [*children, router]:
            await listener.close()
        alerts = engine(daemon).evaluator.alerts
        # the children fire first; the group wait (1 min on the engine's clock) collects them
        await wait_until(
            lambda: sum(a.status == "firing" for a in alerts.values()) == 7, 60, "all seven alerts to fire"
        )
        await arrived(daemon, receiver, 1)
        await settle(daemon)  # the children's alerts may not send messages of their own
        assert len(receiver.messages) == 1, [m.body for m in receiver.messages]
        message = receiver.messages[0]
        assert "store-7-router" in message.body and "+6 dependent alerts" in message.body
        assert "till" not in message.body

        _, body = await api(daemon, "GET", "/api/v1/tickets?status=open")
        assert [t["target"] for t in body["tickets"]] == ["store-7-router"]
        ticket_path = f"/api/v1/tickets/{body['tickets'][0]['id']}"

        async def all_attached() -> bool:
            _, ticket = await api(daemon, "GET", ticket_path)
            return len(ticket["alerts"]) == 7

        await wait_until(all_attached, 60, "all seven alerts on the parent's ticket")

        for listener in [router, *children]:
            await listener.open()
        await arrived(daemon, receiver, 2)

        async def all_recovered() -> bool:
            _, now = await api(daemon, "GET", ticket_path)
            return all(a["resolved_at"] for a in now["alerts"]) and now["status"] == "resolved"

        await wait_until(all_recovered, 60, "every child's recovery on the parent's ticket")
        shifted(daemon).advance(4)  # past dependency_grace: the children's recoveries stay quiet
        await settle(daemon)
        assert len(receiver.messages) == 2, [m.body for m in receiver.messages]
        assert "RESOLVED" in receiver.messages[1].title


async def test_flapping_target_sends_one_flapping_message(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener]
) -> None:
    flaky = listeners()
    await flaky.open()
    doc = config_doc(
        tmp_path,
        [tcp_target("wan-link", flaky.port)],
        receiver.url(),
        route={"group_wait": "1m", "group_interval": "1s"},
        alerts={"flapping": {"window": 10, "high": 0.3, "low": 0.1}},
    )
    async with running(doc) as daemon:
        await wait_probed(daemon, "wan-link", up=True)
        alerts = engine(daemon).evaluator.alerts

        async def flap() -> None:
            for _ in range(200):  # bounded: 200 x 0.8 s at most
                await flaky.close()
                await asyncio.sleep(0.4)
                await flaky.open()
                await asyncio.sleep(0.4)

        # The first FIRING waits in its group (1 min on the engine's clock) while the link
        # flaps; once the engine calls it flapping, only that news goes out.
        flapping = asyncio.create_task(flap())
        try:
            await wait_until(lambda: any(a.flapping for a in alerts.values()), 60, "flapping")
            await settle(daemon)  # nothing more may arrive while it flaps
            assert len(receiver.messages) == 1, [m.title for m in receiver.messages]
            assert "FLAPPING" in receiver.messages[0].title
            _, body = await api(daemon, "GET", "/api/v1/alerts")
            assert body["alerts"][0]["flapping"] is True
        finally:
            flapping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flapping


async def test_resolved_message_arrives_when_the_silence_ends(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener]
) -> None:
    service = listeners()
    await service.open()
    doc = config_doc(tmp_path, [tcp_target("pos-server", service.port)], receiver.url())
    async with running(doc) as daemon:
        await wait_probed(daemon, "pos-server", up=True)
        await service.close()
        await arrived(daemon, receiver, 1, 60)
        assert "FIRING" in receiver.messages[0].title

        clock = shifted(daemon)
        ends = datetime.fromtimestamp(clock.now(), UTC) + timedelta(minutes=10)
        status, silence = await api(
            daemon,
            "POST",
            "/api/v1/silences",
            json={
                "matchers": ["target=pos-server"],
                "ends_at": ends.isoformat(),
                "comment": "maintenance",
            },
        )
        assert status == 201 and silence["active"] is True and silence["created_by"] == "oncall-admin"
        await service.open()

        async def resolved_while_silenced() -> bool:
            _, alerts = await api(daemon, "GET", "/api/v1/alerts")
            return bool(alerts["alerts"][0]["status"] == "resolved")

        await wait_until(resolved_while_silenced, 60, "the alert to resolve")
        await settle(daemon)
        assert len(receiver.messages) == 1  # recovered during the silence: held back
        clock.advance(600)  # the silence ends
        await arrived(daemon, receiver, 2, 60)
        await settle(daemon)
        assert len(receiver.messages) == 2
        assert "RESOLVED" in receiver.messages[1].title


async def test_silenced_alert_still_gets_its_ticket(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener]
) -> None:
    service = listeners()
    await service.open()
    doc = config_doc(
        tmp_path,
        [tcp_target("backoffice", service.port, site="store-9")],
        receiver.url(),
        alerts={
            "silences": [
                {
                    "matchers": ["site=store-9"],
                    "weekly": {"start": "00:00", "end": "23:59"},
                    "comment": "store closed",
                }
            ]
        },
    )
    async with running(doc) as daemon:
        await service.close()

        async def ticket_open() -> bool:
            _, body = await api(daemon, "GET", "/api/v1/tickets?site=store-9")
            return len(body["tickets"]) == 1

        await wait_until(ticket_open, 60, "a ticket for the silenced alert")
        await settle(daemon)  # the silence holds back the message: nothing may arrive
        assert receiver.messages == []
        _, silences = await api(daemon, "GET", "/api/v1/silences")
        assert silences["silences"][0]["source"] == "config"
        status, error = await api(daemon, "DELETE", "/api/v1/silences/config-0")
        assert status == 409 and "config file" in error["error"]
