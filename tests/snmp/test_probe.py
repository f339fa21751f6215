"""The ``snmp`` probe end to end against a real snmpd whose IF-MIB the test drives."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from monitord.results import ProbeResult
from probes.base import ProbeTarget
from probes.snmp import SnmpProbe, SnmpSettings
from tests.servers.snmpd import SnmpdServer, default_interfaces
from tests.snmp.conftest import settings_for, target_for, v3_settings

pytestmark = pytest.mark.root

WRAP32 = 1 << 32


def by_if(results: list[ProbeResult]) -> dict[str, ProbeResult]:
    return {r.tags["ifName"]: r for r in results if r.measurement == "snmp_interface"}


async def timed_poll(
    kind: SnmpProbe,
    server: SnmpdServer,
    settings: SnmpSettings,
) -> tuple[list[ProbeResult], float, float]:
    before = time.monotonic()
    results = await kind.probe(target_for(server), settings)
    return results, before, time.monotonic()


async def two_polls(
    kind: SnmpProbe,
    server: SnmpdServer,
    settings: SnmpSettings,
    change: list[dict[str, Any]],
    pause: float = 0.3,
) -> tuple[list[ProbeResult], float, float]:
    """Poll, change the agent's interfaces, poll again; returns the second poll and the
    shortest and longest time that can have passed between the two readings."""
    _, before1, after1 = await timed_poll(kind, server, settings)
    server.set_interfaces(change)
    await asyncio.sleep(pause)
    results, before2, after2 = await timed_poll(kind, server, settings)
    return results, before2 - after1, after2 - before1


def interfaces(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    rows = default_interfaces()
    for row in rows:
        row.update(changes.get(row["name"].replace("/", "_"), {}))
    return rows


async def test_first_poll_reports_system_and_interfaces_with_tags(
    kind: SnmpProbe, snmpd: SnmpdServer
) -> None:
    results = await kind.probe(target_for(snmpd), settings_for(snmpd))
    verdict = results[0]
    assert (verdict.measurement, verdict.ok, verdict.fields["up"]) == ("snmp_system", True, 1)
    assert verdict.fields["sys_name"] == "monitord-test-agent"
    assert verdict.fields["sys_object_id"] == "1.3.6.1.4.1.8072.3.2.10"
    assert verdict.fields["rebooted"] == 0
    assert (verdict.fields["interfaces"], verdict.fields["interfaces_up"]) == (2, 2)
    found = by_if(results)
    uplink = found["Gi0/1"]
    assert dict(uplink.tags) == {"site": "store-0001", "ifName": "Gi0/1", "ifIndex": "1", "ifAlias": "uplink"}
    assert uplink.fields["in_octets"] == 1_000_000 and uplink.fields["counter_bits"] == 64
    assert uplink.fields["speed_mbps"] == 1000
    assert found["Gi0/2"].fields["counter_bits"] == 32  # no ifHC columns: 32-bit fallback
    assert "in_bps" not in uplink.fields  # no baseline yet: no rate rather than a made-up one


async def test_rates_and_utilisation_between_polls(kind: SnmpProbe, snmpd: SnmpdServer) -> None:
    grown = interfaces(
        Gi0_1={
            "in_octets": 1_000_000 + 3_000_000,
            "out_octets": 2_000_000 + 1_000_000,
            "in_ucast": 1000 + 4000,
            "in_errors": 30,
        }
    )
    results, shortest, longest = await two_polls(kind, snmpd, settings_for(snmpd), grown)
    uplink = by_if(results)["Gi0/1"].fields
    assert 3_000_000 * 8 / longest <= float(uplink["in_bps"]) <= 3_000_000 * 8 / shortest
    assert 1_000_000 * 8 / longest <= float(uplink["out_bps"]) <= 1_000_000 * 8 / shortest
    assert 4000 / longest <= float(uplink["in_pps"]) <= 4000 / shortest
    assert 30 / longest <= float(uplink["errors_per_s"]) <= 30 / shortest
    assert uplink["in_util_pct"] == pytest.approx(float(uplink["in_bps"]) / 1e9 * 100)
    assert uplink["util_pct"] == max(uplink["in_util_pct"], uplink["out_util_pct"])


async def test_32bit_counter_wrap_gives_the_true_rate(kind: SnmpProbe, snmpd: SnmpdServer) -> None:
    snmpd.set_interfaces(interfaces(Gi0_2={"in_octets": WRAP32 - 1000}))
    wrapped = interfaces(Gi0_2={"in_octets": WRAP32 + 5000})  # the agent serves 5000 (mod 2^32)
    results, shortest, longest = await two_polls(kind, snmpd, settings_for(snmpd), wrapped)
    till = by_if(results)["Gi0/2"].fields
    assert till["in_octets"] == 5000 and till["counter_bits"] == 32
    assert 6000 * 8 / longest <= float(till["in_bps"]) <= 6000 * 8 / shortest


async def test_64bit_counter_going_down_is_a_reset_not_a_spike(kind: SnmpProbe, snmpd: SnmpdServer) -> None:
    results, _, _ = await two_polls(kind, snmpd, settings_for(snmpd), interfaces(Gi0_1={"in_octets": 10}))
    uplink = by_if(results)["Gi0/1"].fields
    assert uplink["in_octets"] == 10
    assert "in_bps" not in uplink and "in_util_pct" not in uplink
    assert "out_bps" in uplink  # the other counter is unaffected


async def test_interface_discontinuity_time_skips_that_interface(kind: SnmpProbe, snmpd: SnmpdServer) -> None:
    change = interfaces(Gi0_1={"discontinuity": 12345, "in_octets": 9_000_000})
    results, _, _ = await two_polls(kind, snmpd, settings_for(snmpd), change)
    found = by_if(results)
    assert "in_bps" not in found["Gi0/1"].fields
    assert "in_bps" in found["Gi0/2"].fields


async def test_interface_going_down(kind: SnmpProbe, snmpd: SnmpdServer) -> None:
    snmpd.set_interfaces(interfaces(Gi0_1={"oper": 2}, Gi0_2={"admin": 2, "oper": 2}))
    results = await kind.probe(target_for(snmpd), settings_for(snmpd))
    found = by_if(results)
    assert (found["Gi0/1"].fields["up"], found["Gi0/1"].fields["oper_down"]) == (0, 1)
    # Shut down on purpose (admin down) is not a fault.
    assert (found["Gi0/2"].fields["up"], found["Gi0/2"].fields["oper_down"]) == (0, 0)
    assert results[0].fields["interfaces_down"] == 1


async def test_device_restart_is_detected_and_yields_no_spike(kind: SnmpProbe, snmpd: SnmpdServer) -> None:
    settings = settings_for(snmpd)
    snmpd.set_interfaces(interfaces(Gi0_1={"in_octets": 50_000_000}))
    await asyncio.sleep(1.5)  # let sysUpTime grow past what it will be just after the restart
    first = await kind.probe(target_for(snmpd), settings)
    assert first[0].fields["rebooted"] == 0
    snmpd.set_interfaces(interfaces(Gi0_1={"in_octets": 60_000_000}))  # grew, but across a restart
    snmpd.restart()
    second = await kind.probe(target_for(snmpd), settings)
    assert second[0].fields["rebooted"] == 1
    assert any("device restarted" in line for line in second[0].evidence)
    assert all("in_bps" not in r.fields for r in by_if(second).values())
    third = await kind.probe(target_for(snmpd), settings)
    assert third[0].fields["rebooted"] == 0
    assert "in_bps" in by_if(third)["Gi0/1"].fields


async def test_forget_drops_the_counter_baseline(kind: SnmpProbe, snmpd: SnmpdServer) -> None:
    settings = settings_for(snmpd)
    await kind.probe(target_for(snmpd), settings)
    kind.forget("sw1")
    results = await kind.probe(target_for(snmpd), settings)
    assert "in_bps" not in by_if(results)["Gi0/1"].fields


async def test_missing_custom_oids_are_reported_by_kind(kind: SnmpProbe, snmpd: SnmpdServer) -> None:
    settings = settings_for(
        snmpd,
        profiles=["lab"],
        custom_profiles={
            "lab": [
                {"name": "contact", "oid": "1.3.6.1.2.1.1.4.0", "type": "text"},
                {"name": "services", "oid": "1.3.6.1.2.1.1.7.0"},
                {"name": "gone", "oid": "1.3.6.1.2.1.1.99.0"},
                {"name": "wrong_instance", "oid": "1.3.6.1.2.1.1.3.5"},
            ]
        },
    )
    verdict = (await kind.probe(target_for(snmpd), settings))[0]
    assert verdict.ok
    assert verdict.fields["contact"] == "ops@example.invalid"
    assert verdict.fields["services"] == 72
    assert verdict.fields["missing_oids"] == 2
    assert "gone" not in verdict.fields
    assert "profile lab: gone (1.3.6.1.2.1.1.99.0): noSuchObject" in verdict.evidence
    assert "profile lab: wrong_instance (1.3.6.1.2.1.1.3.5): noSuchInstance" in verdict.evidence


async def test_custom_counter_gets_a_rate(kind: SnmpProbe, snmpd: SnmpdServer) -> None:
    settings = settings_for(
        snmpd,
        profiles=["c"],
        custom_profiles={
            "c": [
                {"name": "uplink_in", "oid": "1.3.6.1.2.1.31.1.1.1.6.1", "type": "counter"},
            ]
        },
    )
    results, shortest, longest = await two_polls(
        kind, snmpd, settings, interfaces(Gi0_1={"in_octets": 1_000_000 + 500})
    )
    assert results[0].fields["uplink_in"] == 1_000_500
    assert 500 / longest <= float(results[0].fields["uplink_in_per_s"]) <= 500 / shortest


async def test_wrong_community_is_a_failed_result_not_an_exception(
    kind: SnmpProbe, snmpd: SnmpdServer
) -> None:
    results = await kind.probe(target_for(snmpd), settings_for(snmpd, community="not-public"))
    assert len(results) == 1
    verdict = results[0]
    assert (verdict.ok, verdict.fields["up"], verdict.fields["error"]) == (False, 0, "timeout")
    assert verdict.reason == "no response after 2 x 0.5s"


async def test_v1_polls_with_32bit_counters_only(kind: SnmpProbe, snmpd: SnmpdServer) -> None:
    settings = settings_for(
        snmpd,
        version="1",
        profiles=["interfaces", "lab"],
        custom_profiles={
            "lab": [
                {"name": "gone", "oid": "1.3.6.1.2.1.1.99.0"},
                {"name": "services", "oid": "1.3.6.1.2.1.1.7.0"},
            ]
        },
    )
    results = await kind.probe(target_for(snmpd), settings)
    assert results[0].ok and results[0].fields["services"] == 72 and results[0].fields["missing_oids"] == 1
    assert {r.fields["counter_bits"] for r in by_if(results).values()} == {32}


async def test_v3_auth_priv_polls_like_v2c(kind: SnmpProbe, snmpd: SnmpdServer) -> None:
    v2c = await kind.probe(target_for(snmpd, "v2c"), settings_for(snmpd))
    v3 = await kind.probe(target_for(snmpd, "v3"), v3_settings(snmpd))
    assert v3[0].ok and v3[0].fields["sys_name"] == "monitord-test-agent"
    v3_fields = {k: dict(r.fields) for k, r in by_if(v3).items()}
    assert v3_fields == {k: dict(r.fields) for k, r in by_if(v2c).items()}


async def test_v3_wrong_key_is_an_auth_failure(kind: SnmpProbe, snmpd: SnmpdServer) -> None:
    settings = v3_settings(snmpd, v3={"auth_key": "wrong-auth-key"}, retries=0)
    verdict = (await kind.probe(target_for(snmpd), settings))[0]
    assert (verdict.ok, verdict.fields["error"]) == (False, "auth")
    assert verdict.reason is not None and "authentication failed" in verdict.reason
    assert "wrong-auth-key" not in verdict.reason


async def test_host_profile_on_the_native_agent(kind: SnmpProbe, snmpd_native: SnmpdServer) -> None:
    settings = settings_for(snmpd_native, profiles=["interfaces", "host"])
    results = await kind.probe(target_for(snmpd_native), settings)
    verdict = results[0]
    assert verdict.ok and verdict.fields["profile_errors"] == 0
    assert 0 <= float(verdict.fields["disk_used_pct_max"]) <= 100
    assert 0 < float(verdict.fields["memory_used_pct"]) <= 100
    storages = [r for r in results if r.measurement == "snmp_storage"]
    assert any(r.tags["storage"] == "/" for r in storages)
    assert "lo" in by_if(results)  # snmpd's own IF-MIB: the machine's loopback interface


async def test_ipv6_agent_is_polled_over_the_shared_v6_socket(kind: SnmpProbe, tmp_path: Path) -> None:
    server = SnmpdServer(tmp_path / "snmpd6", addresses=("::1",))
    server.start()
    try:
        target = ProbeTarget(name="sw6", address="::1", site="store-0001")
        results = await kind.probe(target, settings_for(server))
    finally:
        server.stop()
    assert results[0].ok, results[0].reason
    assert sorted(by_if(results)) == ["Gi0/1", "Gi0/2"]
