"""The built-in SNMP alert rules fire on what the probe really reports from snmpd."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from alerts.defaults import DEFAULT_RULES
from alerts.evaluator import Evaluator
from alerts.flapping import FlapPolicy
from alerts.rules import AlertRule, compile_rules
from monitord.config.loader import build_config
from monitord.results import ProbeResult
from probes.snmp import SnmpProbe
from tests.servers.snmpd import SnmpdServer, default_interfaces
from tests.snmp.conftest import settings_for, target_for

pytestmark = pytest.mark.root

NS = 1_000_000_000


def evaluator() -> Evaluator:
    rules = [AlertRule.model_validate(r) for r in DEFAULT_RULES if r.get("kind") == "snmp"]  # not snmp_trap
    assert len(rules) == 5
    return Evaluator(
        compile_rules(rules), build_config({"targets": []}).targets, FlapPolicy(enabled=False), 0.0
    )


def at(results: list[ProbeResult], seconds: float) -> list[ProbeResult]:
    """The same results, stamped as if polled at ``seconds`` (rules hold for minutes)."""
    return [dataclasses.replace(r, time_ns=int(seconds * NS)) for r in results]


async def test_described_interface_down_fires_after_a_minute(kind: SnmpProbe, snmpd: SnmpdServer) -> None:
    rows = default_interfaces()
    rows[0]["oper"] = 2  # Gi0/1, alias "uplink": admin up, oper down
    snmpd.set_interfaces(rows)
    ev = evaluator()
    for second in (0, 30, 60):
        ev.evaluate(at(await kind.probe(target_for(snmpd), settings_for(snmpd)), second))
    fired = [t.alert for t in ev.take()[0] if t.event == "fired"]
    assert [(a.rule, a.summary) for a in fired] == [
        ("snmp-interface-down", "sw1 interface Gi0/1 (uplink) is down")
    ]


async def test_restart_fires_the_reboot_rule(kind: SnmpProbe, snmpd: SnmpdServer) -> None:
    ev = evaluator()
    settings = settings_for(snmpd)
    await asyncio.sleep(1.5)  # so sysUpTime is past what it will be just after the restart
    ev.evaluate(at(await kind.probe(target_for(snmpd), settings), 0))
    snmpd.restart()
    ev.evaluate(at(await kind.probe(target_for(snmpd), settings), 60))
    fired = [t.alert for t in ev.take()[0] if t.event == "fired"]
    assert [a.rule for a in fired] == ["snmp-device-rebooted"]
    assert fired[0].summary.startswith("sw1 restarted (uptime now ")
