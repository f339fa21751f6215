"""Rule coverage, ICMP: hosts in the lab namespace fall silent, lose echoes, answer slowly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.coverage.matrix import Incident, built_in, matrix_doc
from tests.alerts.coverage.slow_host import SlowHost
from tests.alerts.harness import running, wait_probed
from tests.lab.netns import Lab
from tests.servers.receiver import Receiver

pytestmark = pytest.mark.root

SILENT = "127.0.0.9"


def icmp_target(name: str, address: str) -> dict[str, Any]:
    """Four echoes per run; an echo counts as lost only after 800 ms, so a busy test machine
    does not lose one (one lost echo of four is 25 %, above packet-loss's trigger)."""
    return {
        "name": name,
        "address": address,
        "site": "store-2",
        "probes": {
            "icmp": {
                "interval": "1s",
                "timeout": "1s",
                "count": 4,
                "echo_interval": "50ms",
                "echo_timeout": "800ms",
            }
        },
    }


@pytest.fixture
async def slow_host(lab: Lab) -> AsyncIterator[SlowHost]:
    host = SlowHost(lab)
    try:
        yield host
    finally:
        host.close()


@pytest.mark.rule_coverage("host-down")
async def test_host_down(lab: Lab, tmp_path: Path, receiver: Receiver) -> None:
    doc = matrix_doc(tmp_path, [icmp_target("store-2-router", SILENT)], receiver)
    with lab.icmp_sockets():
        async with running(doc) as daemon:
            incident = Incident(daemon, receiver, "host-down", "store-2-router")
            await wait_probed(daemon, "store-2-router", up=True, kind="icmp")
            await incident.no_news_yet()
            lab.silence(SILENT)
            await incident.fired()
            lab.restore(SILENT)
            await incident.resolved()


@pytest.mark.rule_coverage("packet-loss")
async def test_packet_loss(lab: Lab, slow_host: SlowHost, tmp_path: Path, receiver: Receiver) -> None:
    doc = matrix_doc(
        tmp_path,
        [icmp_target("store-2-wan", slow_host.ADDRESS)],
        receiver,
        built_in("packet-loss", for_="0s", clear_for="0s"),
    )
    with lab.icmp_sockets():
        async with running(doc) as daemon:
            incident = Incident(daemon, receiver, "packet-loss", "store-2-wan")
            await wait_probed(daemon, "store-2-wan", up=True, kind="icmp")
            await incident.no_news_yet()
            slow_host.drop_every = 2  # exactly every second echo: 50 % loss per run of 4
            ticket = await incident.fired()
            assert "loses 50 % of pings" in incident.receiver.messages[0].body, ticket
            slow_host.drop_every = 0
            await incident.resolved()


@pytest.mark.rule_coverage("high-rtt")
async def test_high_rtt(lab: Lab, slow_host: SlowHost, tmp_path: Path, receiver: Receiver) -> None:
    doc = matrix_doc(
        tmp_path,
        [icmp_target("store-2-vpn", slow_host.ADDRESS)],
        receiver,
        built_in("high-rtt", for_="0s", clear_for="0s"),
    )
    with lab.icmp_sockets():
        async with running(doc) as daemon:
            incident = Incident(daemon, receiver, "high-rtt", "store-2-vpn")
            await wait_probed(daemon, "store-2-vpn", up=True, kind="icmp")
            await incident.no_news_yet()
            slow_host.delay = 0.3  # every echo answered after 300 ms: above 200, recovers below 150
            await incident.fired()
            slow_host.delay = 0.0
            await incident.resolved()
