"""End to end: a target goes down -> alert -> ticket -> exactly one message; and back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.alerts.harness import (
    Listener,
    api,
    arrived,
    config_doc,
    running,
    settle,
    tcp_target,
    wait_probed,
    wait_until,
)
from tests.servers.receiver import Receiver


async def test_down_then_up_gives_one_firing_and_one_resolved_message(
    tmp_path: Path, receiver: Receiver, state_url: str, listeners: Callable[[], Listener]
) -> None:
    service = listeners()
    await service.open()
    doc = config_doc(tmp_path, [tcp_target("till-1", service.port)], receiver.url(), state_url=state_url)
    async with running(doc) as daemon:
        await wait_probed(daemon, "till-1", up=True)
        assert receiver.messages == []
        await service.close()
        messages = await arrived(daemon, receiver, 1, 60)
        await settle(daemon)  # nothing more may arrive while it stays down
        assert len(receiver.messages) == 1, [m.title for m in receiver.messages]
        first = messages[0]
        assert "FIRING" in first.title and "till-1" in first.body
        assert first.key

        status, body = await api(daemon, "GET", "/api/v1/tickets?status=open")
        assert status == 200
        tickets = body["tickets"]
        assert len(tickets) == 1 and tickets[0]["target"] == "till-1"
        assert tickets[0]["priority"] == "normal"
        ticket_id = tickets[0]["id"]

        await service.open()
        await arrived(daemon, receiver, 2, 60)
        await settle(daemon)  # nothing more may arrive
        assert len(receiver.messages) == 2
        assert "RESOLVED" in receiver.messages[1].title
        assert receiver.messages[1].key != first.key

        async def resolved() -> bool:
            _, ticket = await api(daemon, "GET", f"/api/v1/tickets/{ticket_id}")
            return bool(ticket["status"] == "resolved")

        await wait_until(resolved, 60, "the ticket to auto-resolve")
        _, ticket = await api(daemon, "GET", f"/api/v1/tickets/{ticket_id}")
        kinds = [event["kind"] for event in ticket["history"]]
        assert kinds[0] == "opened" and "recovered" in kinds and "notified" in kinds
        assert ticket["time_to_repair_s"] > 0
