"""Rule coverage, SNMP traps: net-snmp's snmptrap sends to the daemon's receiver on loopback.

The trap rules have no holds: a trap sets ``active`` 1 at once, and the receiver sets it to
0 when ``end_after`` passes without another such trap (shortened to a second here, the one
setting a case may change; it is the receiver's, not the rule's) or when the rule's
``ends_with`` trap arrives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.alerts.coverage.matrix import Incident, matrix_doc
from tests.alerts.harness import running
from tests.intake.traps.harness import port, traps_section
from tests.intake.traps.netsnmp import AUTH_FAILURE, UPS_ON_BATTERY, UPS_POWER_RESTORED, trap_v1, trap_v2c
from tests.servers.receiver import Receiver

TARGET = "ups-store-3"
FAN_FAILED = "1.3.6.1.4.1.9.9.117.2.0.6"  # CISCO-ENTITY-FRU-CONTROL-MIB cefcFanTrayStatusChange


def device() -> list[dict[str, Any]]:
    return [{"name": TARGET, "address": "127.0.0.1", "site": "store-3"}]


RULES = [
    {
        "name": "ups-on-battery",
        "oids": [UPS_ON_BATTERY],
        "ends_with": [UPS_POWER_RESTORED],
        "severity": "critical",
        "description": "UPS runs on battery",
        "end_after": "1h",  # only the power-restored trap can end it within the test
    },
    {
        "name": "fan-tray",
        "oids": ["1.3.6.1.4.1.9.9.117.2.*"],
        "severity": "warning",
        "description": "Fan tray",
    },
]


def doc(tmp_path: Path, receiver: Receiver) -> dict[str, Any]:
    return matrix_doc(tmp_path, device(), receiver, snmp_traps=traps_section(rules=RULES, end_after="1s"))


@pytest.mark.rule_coverage("snmp-trap-authentication-failure")
async def test_snmp_trap_authentication_failure(tmp_path: Path, receiver: Receiver) -> None:
    async with running(doc(tmp_path, receiver)) as daemon:
        incident = Incident(daemon, receiver, "snmp-trap-authentication-failure", TARGET)
        await incident.no_news_yet()
        assert (await trap_v2c(port(daemon), AUTH_FAILURE))[0] == 0
        await incident.fired()
        assert (
            "refused an SNMP request (authenticationFailure trap from 127.0.0.1)" in receiver.messages[0].body
        )
        await incident.resolved()  # end_after (1 s) without another


@pytest.mark.rule_coverage("snmp-trap-critical")
async def test_snmp_trap_critical(tmp_path: Path, receiver: Receiver) -> None:
    async with running(doc(tmp_path, receiver)) as daemon:
        incident = Incident(daemon, receiver, "snmp-trap-critical", TARGET)
        await incident.no_news_yet()
        # An SNMPv1 APC trap (enterprise 318, specific 5) is 1.3.6.1.4.1.318.0.5 (RFC 3584).
        on_battery = ["1.3.6.1.4.1.318.2.1.1", "s", "input voltage 0 V"]
        assert (await trap_v1(port(daemon), "1.3.6.1.4.1.318", 6, 5, on_battery))[0] == 0
        await incident.fired()
        assert (
            "ups-on-battery: UPS runs on battery: 1.3.6.1.4.1.318.2.1.1 = input voltage 0 V"
            in receiver.messages[0].body
        )
        assert (await trap_v1(port(daemon), "1.3.6.1.4.1.318", 6, 9))[0] == 0  # power restored
        await incident.resolved()


@pytest.mark.rule_coverage("snmp-trap-warning")
async def test_snmp_trap_warning(tmp_path: Path, receiver: Receiver) -> None:
    async with running(doc(tmp_path, receiver)) as daemon:
        incident = Incident(daemon, receiver, "snmp-trap-warning", TARGET)
        await incident.no_news_yet()
        assert (await trap_v2c(port(daemon), FAN_FAILED, ["1.3.6.1.4.1.9.9.117.1.4.1.1.1.1", "i", "3"]))[
            0
        ] == 0
        await incident.fired()
        assert f"{TARGET}: fan-tray: Fan tray" in receiver.messages[0].body
        await incident.resolved()
