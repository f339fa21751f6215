"""An ``snmp`` target scheduled by a real daemon: results flow like any probe kind's."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.daemon_harness import base_config, running_daemon
from tests.servers.snmpd import SnmpdServer

pytestmark = pytest.mark.root


async def test_daemon_polls_snmp_target(tmp_path: Path, snmpd: SnmpdServer) -> None:
    document = base_config(
        tmp_path / "state",
        sites={"s": {}},
        probes={"snmp": {"interval": "1s", "timeout": "3s", "request_timeout": "500ms", "retries": 1}},
        targets=[
            {"name": "sw1", "address": "127.0.0.1", "site": "s", "probes": {"snmp": {"port": snmpd.port}}}
        ],
    )
    async with running_daemon(document) as daemon:
        for _ in range(100):
            last = daemon.scheduler.last_results().get(("sw1", "snmp"))
            if last is not None:
                break
            await asyncio.sleep(0.1)
        assert last is not None
        assert (last.measurement, last.ok, last.fields["sys_name"]) == (
            "snmp_system",
            True,
            "monitord-test-agent",
        )
