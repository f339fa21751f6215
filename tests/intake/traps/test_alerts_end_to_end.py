"""Traps through the whole daemon to a real apprise json:// receiver.

A linkDown trap fires the SNMP probe's own ``snmp-interface-down`` alert at once (the
built-in rule, with its ``for: 1m`` untouched: a trap is pushed, not held) before any poll
could have seen the interface, and linkUp resolves it. With a real snmpd being polled, the
trap lands on the very alert the poll raises (same interface names, learned from the poll),
so the poll agrees instead of opening a second alert or fighting the trap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.alerts.coverage.matrix import Incident, matrix_doc
from tests.alerts.harness import api, running, wait_probed
from tests.eventually import eventually
from tests.intake.traps.harness import port, traps_section
from tests.intake.traps.netsnmp import LINK_DOWN, LINK_UP, interface, trap_v2c
from tests.servers.processes import free_port
from tests.servers.receiver import Receiver
from tests.servers.snmpd import SnmpdServer, default_interfaces

TARGET = "sw-store-3"
RULE = "snmp-interface-down"


async def evidence(daemon: Any, ticket_id: int) -> str:
    status, ticket = await api(daemon, "GET", f"/api/v1/tickets/{ticket_id}")
    assert status == 200, ticket
    return "\n".join(e["text"] for e in ticket["history"] if e["kind"] == "evidence")


def switch(snmp_port: int, interval: str) -> dict[str, Any]:
    return {
        "name": TARGET,
        "address": "127.0.0.1",
        "site": "store-3",
        "probes": {
            "snmp": {
                "port": snmp_port,
                "interval": interval,
                "timeout": "3s",
                "request_timeout": "0.5s",
                "retries": 1,
            }
        },
    }


async def test_link_down_trap_opens_the_interface_alert_before_any_poll(
    tmp_path: Path, receiver: Receiver
) -> None:
    # The agent's port answers nothing: no poll can ever report this interface.
    doc = matrix_doc(tmp_path, [switch(free_port(kind=2), "1d")], receiver, snmp_traps=traps_section())
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, RULE, TARGET)
        await incident.no_news_yet()
        down = interface(1, name="Gi0/1", alias="uplink")
        assert (await trap_v2c(port(daemon), LINK_DOWN, down))[0] == 0
        ticket = await incident.fired()
        assert "interface Gi0/1 (uplink) is down" in receiver.messages[0].body
        assert "ifOperStatus.1 = 2 (integer)" in await evidence(daemon, ticket["id"])
        up = interface(1, oper=1, name="Gi0/1", alias="uplink")
        assert (await trap_v2c(port(daemon), LINK_UP, up))[0] == 0
        await incident.resolved()


@pytest.mark.root
async def test_trap_and_poll_agree_on_one_alert(
    tmp_path: Path, snmpd: SnmpdServer, receiver: Receiver
) -> None:
    doc = matrix_doc(tmp_path, [switch(snmpd.port, "1s")], receiver, snmp_traps=traps_section())
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, RULE, TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="snmp")
        service = next(s for s in daemon.services if s.name == "snmp_traps")
        await eventually(lambda: service.names.lookup(TARGET, "1") == ("Gi0/1", "uplink"), "names learned")
        await incident.no_news_yet()
        rows = default_interfaces()
        rows[0]["oper"] = 2
        snmpd.set_interfaces(rows)  # the link really goes down; the poll would need its 1m hold
        # Most devices name the interface by ifIndex only: the poll's names are used.
        assert (await trap_v2c(port(daemon), LINK_DOWN, interface(1)))[0] == 0
        await incident.fired()
        assert "interface Gi0/1 (uplink) is down" in receiver.messages[0].body
        polls = daemon.registry.get_sample_value("monitord_results_published_total") or 0
        await eventually(
            lambda: (daemon.registry.get_sample_value("monitord_results_published_total") or 0) > polls + 6,
            "a few more polls that see the interface down",
        )
        assert len(receiver.messages) == 1  # the polls agree: no second alert, no resolve
        snmpd.set_interfaces(default_interfaces())
        assert (await trap_v2c(port(daemon), LINK_UP, interface(1, oper=1)))[0] == 0
        await incident.resolved()
