"""End to end on the engine's clock: a resolved ticket closes itself after a quiet day
(a recurring one waits for its root cause), without waiting a day."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from monitord.daemon import Daemon
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


async def _tickets(daemon: Daemon) -> list[dict[str, Any]]:
    status, body = await api(daemon, "GET", "/api/v1/tickets")
    assert status == 200
    return sorted(body["tickets"], key=lambda t: int(t["id"]))


async def _outage(daemon: Daemon, receiver: Receiver, service: Listener, messages: int) -> None:
    await service.close()
    await arrived(daemon, receiver, messages + 1, 60)
    await service.open()
    await arrived(daemon, receiver, messages + 2, 60)
    await settle(daemon)
    assert len(receiver.messages) == messages + 2


async def test_resolved_ticket_closes_after_a_quiet_day_and_a_recurring_one_waits(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener]
) -> None:
    service = listeners()
    await service.open()
    doc = config_doc(tmp_path, [tcp_target("erp", service.port, site="office")], receiver.url())
    async with running(doc) as daemon:
        await wait_probed(daemon, "erp", up=True)
        await _outage(daemon, receiver, service, 0)
        clock = shifted(daemon)
        clock.advance(3600)
        await _outage(daemon, receiver, service, 2)  # the same fault again: a recurring ticket
        first, second = await _tickets(daemon)
        assert (first["status"], second["status"]) == ("resolved", "resolved")
        assert second["recurring"] is True

        clock.advance(86400 - 3600 - 60)  # not quite a quiet day for the first ticket
        alerts = engine(daemon)
        before = alerts.housekept
        await wait_until(lambda: alerts.housekept != before, 30, "a housekeeping run")
        assert [t["status"] for t in await _tickets(daemon)] == ["resolved", "resolved"]

        clock.advance(120)  # now it is
        before = alerts.housekept
        await wait_until(lambda: alerts.housekept != before, 30, "a housekeeping run")
        first, second = await _tickets(daemon)
        assert first["status"] == "closed" and second["status"] == "resolved"
        _, closed = await api(daemon, "GET", f"/api/v1/tickets/{first['id']}")
        assert closed["history"][-1]["kind"] == "closed"
        assert closed["history"][-1]["text"] == "quiet period over"

        clock.advance(2 * 86400)  # a recurring ticket needs its root cause first
        before = alerts.housekept
        await wait_until(lambda: alerts.housekept != before, 30, "a housekeeping run")
        assert [t["status"] for t in await _tickets(daemon)] == ["closed", "resolved"]
