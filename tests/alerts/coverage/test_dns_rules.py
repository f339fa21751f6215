"""Rule coverage, DNS: the suite's real DNS server (tests/icmp/dns_server.py) goes silent and
changes its records while the daemon queries it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.alerts.coverage.matrix import Incident, built_in, matrix_doc
from tests.alerts.harness import running, wait_probed
from tests.icmp.dns_server import dns_zone
from tests.servers.receiver import Receiver


def dns_target(port: int) -> dict[str, Any]:
    return {
        "name": "ns1",
        "address": "127.0.0.1",
        "site": "hq",
        "probes": {
            "dns": {
                "port": port,
                "query_name": "erp.corp.example",
                "query_type": "A",
                "expected_answers": ["192.0.2.10"],
                "interval": "0.3s",
                "timeout": "1s",
            }
        },
    }


@pytest.mark.rule_coverage("dns-down")
async def test_dns_down(tmp_path: Path, receiver: Receiver) -> None:
    async with dns_zone() as (zone, port):
        zone.records[("erp.corp.example", "A")] = ("192.0.2.10", 60)
        doc = matrix_doc(tmp_path, [dns_target(port)], receiver, built_in("dns-down", for_="0s"))
        async with running(doc) as daemon:
            incident = Incident(daemon, receiver, "dns-down", "ns1")
            await wait_probed(daemon, "ns1", up=True, kind="dns")
            await incident.no_news_yet()
            zone.silent = True
            await incident.fired()
            zone.silent = False
            await incident.resolved()


@pytest.mark.rule_coverage("dns-wrong-answer")
async def test_dns_wrong_answer(tmp_path: Path, receiver: Receiver) -> None:
    async with dns_zone() as (zone, port):
        zone.records[("erp.corp.example", "A")] = ("192.0.2.10", 60)
        doc = matrix_doc(tmp_path, [dns_target(port)], receiver, built_in("dns-wrong-answer", for_="0s"))
        async with running(doc) as daemon:
            incident = Incident(daemon, receiver, "dns-wrong-answer", "ns1")
            await wait_probed(daemon, "ns1", up=True, kind="dns")
            await incident.no_news_yet()
            zone.records[("erp.corp.example", "A")] = ("192.0.2.66", 60)  # a hijacked or stale record
            await incident.fired()
            assert "answer lacks 192.0.2.10" in receiver.messages[0].body
            zone.records[("erp.corp.example", "A")] = ("192.0.2.10", 60)
            await incident.resolved()
