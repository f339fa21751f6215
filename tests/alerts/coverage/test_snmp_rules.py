"""Rule coverage, SNMP: the shared net-snmp agent stops answering, restarts, and its
IF-MIB (served from a file the test writes) shows an interface down, errors, traffic."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.alerts.coverage.conftest import SharedSnmpd
from tests.alerts.coverage.matrix import Incident, built_in, matrix_doc
from tests.alerts.harness import running, wait_probed
from tests.servers.receiver import Receiver
from tests.servers.snmpd import default_interfaces

pytestmark = pytest.mark.root

TARGET = "sw-store-3"


def snmp_target(agent: SharedSnmpd) -> dict[str, Any]:
    return {
        "name": TARGET,
        "address": agent.address,
        "site": "store-3",
        "probes": {
            "snmp": {
                "port": agent.port,
                "interval": "1s",
                "timeout": "3s",
                "request_timeout": "0.5s",
                "retries": 1,
            }
        },
    }


@contextlib.asynccontextmanager
async def counting(
    agent: SharedSnmpd, change: Callable[[list[dict[str, Any]], float], None]
) -> AsyncIterator[None]:
    """Keep rewriting the interfaces with ``change(rows, seconds since start)`` (counters moving)."""
    began = time.monotonic()

    async def run() -> None:
        while True:
            rows = default_interfaces()
            change(rows, time.monotonic() - began)
            agent.set_interfaces(rows)
            await asyncio.sleep(0.2)

    task = asyncio.create_task(run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        agent.set_interfaces(default_interfaces())


@pytest.mark.rule_coverage("snmp-agent-down")
async def test_snmp_agent_down(snmpd_agent: SharedSnmpd, tmp_path: Path, receiver: Receiver) -> None:
    doc = matrix_doc(tmp_path, [snmp_target(snmpd_agent)], receiver, built_in("snmp-agent-down", for_="0s"))
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "snmp-agent-down", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="snmp")
        await incident.no_news_yet()
        snmpd_agent.pause()
        await incident.fired()
        snmpd_agent.resume()
        await incident.resolved()


@pytest.mark.rule_coverage("snmp-interface-down")
async def test_snmp_interface_down(snmpd_agent: SharedSnmpd, tmp_path: Path, receiver: Receiver) -> None:
    doc = matrix_doc(
        tmp_path,
        [snmp_target(snmpd_agent)],
        receiver,
        built_in("snmp-interface-down", for_="0s", clear_for="0s"),
    )
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "snmp-interface-down", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="snmp")
        await incident.no_news_yet()
        rows = default_interfaces()
        rows[0]["oper"] = 2  # Gi0/1 "uplink": admin up, oper down
        snmpd_agent.set_interfaces(rows)
        await incident.fired()
        assert "interface Gi0/1 (uplink) is down" in receiver.messages[0].body
        snmpd_agent.set_interfaces(default_interfaces())
        await incident.resolved()


@pytest.mark.rule_coverage("snmp-interface-errors")
async def test_snmp_interface_errors(snmpd_agent: SharedSnmpd, tmp_path: Path, receiver: Receiver) -> None:
    doc = matrix_doc(
        tmp_path,
        [snmp_target(snmpd_agent)],
        receiver,
        built_in("snmp-interface-errors", for_="0s", clear_for="0s"),
    )

    def errors(rows: list[dict[str, Any]], seconds: float) -> None:
        rows[0]["in_errors"] = int(20 * seconds)  # about 20 errors/s on Gi0/1

    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "snmp-interface-errors", TARGET)
        await wait_probed(daemon, TARGET, up=True, kind="snmp")
        await incident.no_news_yet()
        async with counting(snmpd_agent, errors):
            await incident.fired()
        await incident.resolved()  # the counter stands still: 0 errors/s


@pytest.mark.rule_coverage("snmp-interface-utilisation")
async def test_snmp_interface_utilisation(
    snmpd_agent: SharedSnmpd, tmp_path: Path, receiver: Receiver
) -> None:
    doc = matrix_doc(
        tmp_path,
        [snmp_target(snmpd_agent)],
        receiver,
        built_in("snmp-interface-utilisation", for_="0s", clear_for="0s"),
    )

    def busy(rows: list[dict[str, Any]], seconds: float) -> None:
        rows[0]["speed_mbps"] = 1  # 125,000 bytes/s is 100 %
        rows[0]["in_octets"] = 1_000_000 + int(200_000 * seconds)

    def idle(rows: list[dict[str, Any]], seconds: float) -> None:
        rows[0]["speed_mbps"] = 1

    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "snmp-interface-utilisation", TARGET)
        async with counting(snmpd_agent, idle):
            await wait_probed(daemon, TARGET, up=True, kind="snmp")
            await incident.no_news_yet()
        async with counting(snmpd_agent, busy):
            await incident.fired()
        async with counting(snmpd_agent, idle):
            await incident.resolved()


@pytest.mark.rule_coverage("snmp-device-rebooted")
async def test_snmp_device_rebooted(snmpd_agent: SharedSnmpd, tmp_path: Path, receiver: Receiver) -> None:
    doc = matrix_doc(tmp_path, [snmp_target(snmpd_agent)], receiver)
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "snmp-device-rebooted", TARGET)
        # sysUpTime must have something to go back from (the agent may have just started).
        await asyncio.sleep(max(0.0, snmpd_agent.started_at + 3.0 - time.monotonic()))
        await wait_probed(daemon, TARGET, up=True, kind="snmp")
        await incident.no_news_yet()
        await asyncio.to_thread(snmpd_agent.restart)  # fires on the next poll, resolves on the one after
        await incident.fired(settle=False)
        await incident.resolved()
