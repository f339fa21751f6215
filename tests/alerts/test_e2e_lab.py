"""End to end with ICMP in the lab namespace: a host goes silent (nftables drops its
echo requests) -> the built-in host-down rule fires -> ticket -> exactly one message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.alerts.harness import api, arrived, config_doc, running, settle, wait_probed, wait_until
from tests.servers.receiver import Receiver

SILENT = "127.0.0.9"


@pytest.mark.root
async def test_silent_host_gives_alert_ticket_and_exactly_one_message(
    lab: Any, tmp_path: Path, receiver: Receiver
) -> None:
    target = {
        "name": "store-2-router",
        "address": SILENT,
        "site": "store-2",
        "criticality": "urgent",
        "probes": {
            "icmp": {
                "interval": "0.5s",
                "timeout": "0.45s",
                "count": 2,
                "echo_interval": "50ms",
                "echo_timeout": "300ms",
            }
        },
    }
    doc = config_doc(
        tmp_path,
        [target],
        receiver.url(),
        rules=[],
        alerts={"default_rules": True, "disabled_rules": ["high-rtt", "packet-loss"]},
    )
    with lab.icmp_sockets():
        async with running(doc) as daemon:
            await wait_probed(daemon, "store-2-router", up=True, kind="icmp")
            assert receiver.messages == []  # it answers: nothing to say
            lab.silence(SILENT)
            await arrived(daemon, receiver, 1, 60)
            await settle(daemon)  # nothing more may arrive
            assert len(receiver.messages) == 1, [m.title for m in receiver.messages]
            message = receiver.messages[0]
            assert "[URGENT] FIRING" in message.title and "host-down on store-2-router" in message.body

            _, body = await api(daemon, "GET", "/api/v1/tickets")
            (ticket,) = body["tickets"]
            assert ticket["rule"] == "host-down" and ticket["priority"] == "urgent"

            lab.restore(SILENT)
            await arrived(daemon, receiver, 2, 60)

            async def resolved() -> bool:
                _, now = await api(daemon, "GET", f"/api/v1/tickets/{ticket['id']}")
                return bool(now["status"] == "resolved")

            await wait_until(resolved, 60, "the ticket to resolve")
            assert [("RESOLVED" in m.title) for m in receiver.messages] == [False, True]
