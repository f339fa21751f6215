"""End to end: an endpoint outage delays but never loses a message; a restart
mid-incident neither repeats a message nor loses the ticket."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.alerts.harness import (
    Listener,
    api,
    arrived,
    config_doc,
    engine,
    rounds,
    running,
    settle,
    shifted,
    tcp_target,
    wait_probed,
    wait_until,
)
from tests.servers.receiver import Receiver


async def test_message_arrives_once_after_receiver_was_down_30s(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener]
) -> None:
    service = listeners()
    await service.open()
    doc = config_doc(
        tmp_path,
        [tcp_target("till-3", service.port)],
        receiver.url(),
        notify={"retry_initial": "1s", "retry_max": "4s"},
    )
    await receiver.down()
    async with running(doc) as daemon:
        await service.close()
        outbox = engine(daemon).deliverer
        assert outbox is not None

        async def tried_twice() -> bool:
            async with daemon.state_store.engine.connect() as conn:
                attempts = (await conn.exec_driver_sql("SELECT max(attempts) FROM outbox")).scalar()
            return bool(attempts and attempts >= 2)

        await wait_until(tried_twice, 60, "two failed attempts")
        clock = shifted(daemon)
        for _ in range(10):  # the rest of the 30 s outage, on the engine's clock
            clock.advance(3)
            outbox.wake()
            await rounds(daemon, 1)
        assert receiver.messages == []
        await receiver.up()
        clock.advance(5)  # past the longest backoff
        outbox.wake()
        await receiver.wait_for(1, 60)
        await settle(daemon)  # a second copy would be in the outbox or on its way
        assert len(receiver.messages) == 1
        assert "FIRING" in receiver.messages[0].title and receiver.messages[0].key


async def test_restart_mid_incident_no_duplicate_and_ticket_intact(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener], state_url: str
) -> None:
    service = listeners()
    await service.open()
    doc = config_doc(
        tmp_path,
        [tcp_target("core-switch", service.port, criticality="urgent")],
        receiver.url(),
        state_url=state_url,
    )
    async with running(doc) as daemon:
        await wait_probed(daemon, "core-switch", up=True)
        await service.close()
        await receiver.wait_for(1, 60)
        _, body = await api(daemon, "GET", "/api/v1/tickets")
        (before,) = body["tickets"]
        assert before["priority"] == "urgent"
        status, acked = await api(
            daemon, "POST", f"/api/v1/tickets/{before['id']}/ack", json={"text": "on my way"}
        )
        assert status == 200 and acked["status"] == "acknowledged"
        assert acked["assignee"] == "oncall-admin"

    async with running(doc) as daemon:
        await wait_probed(daemon, "core-switch", up=False)
        await settle(daemon)  # still down after the restart: no second FIRING may arrive
        assert len(receiver.messages) == 1, [m.title for m in receiver.messages]
        _, body = await api(daemon, "GET", "/api/v1/tickets")
        (after,) = body["tickets"]
        assert after["id"] == before["id"] and after["status"] == "acknowledged"
        _, alerts = await api(daemon, "GET", "/api/v1/alerts")
        assert alerts["alerts"][0]["status"] == "firing"
        assert alerts["alerts"][0]["ticket_id"] == before["id"]

        await service.open()
        await arrived(daemon, receiver, 2, 60)
        await settle(daemon)  # nothing more may arrive
        assert len(receiver.messages) == 2
        assert "RESOLVED" in receiver.messages[1].title

        async def resolved() -> bool:
            _, ticket = await api(daemon, "GET", f"/api/v1/tickets/{before['id']}")
            return bool(ticket["status"] == "resolved")

        await wait_until(resolved, 60, "the ticket to resolve")


async def test_state_store_refusing_writes_delays_ticket_and_message_but_loses_neither(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener]
) -> None:
    service = listeners()
    await service.open()
    doc = config_doc(tmp_path, [tcp_target("mail-server", service.port)], receiver.url())
    async with running(doc) as daemon:
        await wait_probed(daemon, "mail-server", up=True)
        engine = daemon.state_store.engine
        async with engine.begin() as conn:
            await conn.exec_driver_sql("ALTER TABLE ticket_events RENAME TO ticket_events_away")
            await conn.exec_driver_sql("ALTER TABLE outbox RENAME TO outbox_away")
        await service.close()
        await wait_until(lambda: not daemon.health.snapshot()["alerts"].ok, 60, "alerts to be unhealthy")
        await rounds(daemon, 1)  # another round against the refusing store: nothing may arrive
        assert receiver.messages == []
        async with engine.begin() as conn:
            await conn.exec_driver_sql("ALTER TABLE ticket_events_away RENAME TO ticket_events")
            await conn.exec_driver_sql("ALTER TABLE outbox_away RENAME TO outbox")
        await arrived(daemon, receiver, 1, 60)
        await settle(daemon)  # a second copy would be in the outbox or on its way
        assert len(receiver.messages) == 1 and "FIRING" in receiver.messages[0].title
        await wait_until(lambda: daemon.health.snapshot()["alerts"].ok, 60, "alerts to be healthy")
        await wait_until(
            lambda: daemon.health.snapshot()["alerts:notifier"].ok, 60, "the notifier to be healthy"
        )
        _, body = await api(daemon, "GET", "/api/v1/tickets")
        assert len(body["tickets"]) == 1


async def test_message_queued_at_shutdown_is_delivered_once_after_restart(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener]
) -> None:
    service = listeners()
    doc = config_doc(tmp_path, [tcp_target("dvr", service.port, site="store-5")], receiver.url())
    await receiver.down()
    async with running(doc) as daemon:

        async def queued() -> bool:
            _, body = await api(daemon, "GET", "/api/v1/tickets")
            if not body["tickets"]:
                return False
            _, ticket = await api(daemon, "GET", f"/api/v1/tickets/{body['tickets'][0]['id']}")
            return any(e["kind"] == "notified" for e in ticket["history"])

        await wait_until(queued, 60, "the message to be in the outbox")
    await receiver.up()
    await service.open()  # back up while the daemon was away: the resolved news is due too
    async with running(doc) as daemon:
        await arrived(daemon, receiver, 2, 60)
        await settle(daemon)  # nothing more may arrive
    titles = [m.title for m in receiver.messages]
    assert len(titles) == 2, titles
    assert "FIRING" in titles[0] and "RESOLVED" in titles[1]
    assert len({m.key for m in receiver.messages}) == 2


async def test_shutdown_completes_when_the_state_store_refuses_the_final_save(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener], caplog: pytest.LogCaptureFixture
) -> None:
    service = listeners()
    doc = config_doc(tmp_path, [tcp_target("nvr", service.port, site="store-6")], receiver.url())
    async with running(doc) as daemon:
        await receiver.wait_for(1, 60)  # a firing alert: stop() has state to save
        async with daemon.state_store.engine.begin() as conn:
            await conn.exec_driver_sql("ALTER TABLE alert_state RENAME TO alert_state_away")
    # running() awaited the daemon: it stopped without an error despite the failed save
    assert any("could not save alert state at shutdown" in r.getMessage() for r in caplog.records)
