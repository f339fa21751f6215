"""The ``icmp`` probe kind: settings, results, and a scheduled run inside a real daemon."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from monitord.config.loader import build_config
from monitord.errors import ConfigError
from monitord.icmp.engine import IcmpEngine
from monitord.icmp.resolver import Resolver
from probes import REGISTRY
from probes.base import ProbeTarget
from probes.icmp import IcmpProbe, IcmpSettings
from tests.daemon_harness import base_config, running_daemon
from tests.icmp.dns_server import dns_zone
from tests.lab.netns import Lab

FAST = IcmpSettings(count=3, echo_interval=0.01, echo_timeout=0.3, timeout=2.0)
RTT_FIELDS = {"rtt_min_ms", "rtt_avg_ms", "rtt_median_ms", "rtt_max_ms", "rtt_stddev_ms"}


def target(address: str, name: str = "till-1") -> ProbeTarget:
    return ProbeTarget(name=name, address=address, site="store-0001")


def test_registered_with_defaults() -> None:
    assert REGISTRY["icmp"] is IcmpProbe
    defaults = IcmpSettings()
    assert (defaults.count, defaults.echo_interval, defaults.echo_timeout) == (5, 0.2, 1.0)


def test_settings_that_cannot_fit_the_deadline_name_the_field(tmp_path: Path) -> None:
    document = base_config(
        tmp_path,
        targets=[
            {
                "name": "till",
                "address": "127.0.0.1",
                "site": "s",
                "probes": {"icmp": {"count": 10, "echo_interval": "1s", "timeout": "5s"}},
            }
        ],
        sites={"s": {}},
    )
    with pytest.raises(ConfigError) as caught:
        build_config(document)
    assert any(
        "targets[0].probes.icmp" in line
        and "timeout (5s) must exceed (count - 1) * echo_interval + echo_timeout (10s)" in line
        for line in caught.value.lines()
    ), caught.value.lines()


@pytest.fixture
async def probe(lab: Lab) -> AsyncIterator[IcmpProbe]:
    with lab.icmp_sockets():
        async with IcmpEngine.open() as engine:
            kind = IcmpProbe(engine=engine)
            await kind.open()
            yield kind
            await kind.close()


@pytest.mark.root
async def test_alive_result_has_every_statistic(probe: IcmpProbe) -> None:
    result = await probe.probe(target("127.0.0.1"), FAST)
    assert result.ok and result.reason is None
    assert result.measurement == "icmp"
    assert result.all_tags() == {"target": "till-1", "site": "store-0001", "address": "127.0.0.1"}
    fields = dict(result.fields)
    assert {k: fields[k] for k in ("up", "sent", "received", "loss_pct")} == {
        "up": 1,
        "sent": 3,
        "received": 3,
        "loss_pct": 0.0,
    }
    assert set(fields) >= RTT_FIELDS
    assert fields["rtt_min_ms"] <= fields["rtt_median_ms"] <= fields["rtt_max_ms"]  # type: ignore[operator]


@pytest.mark.root
async def test_silent_and_unreachable_targets_fail_with_the_reason(lab: Lab, probe: IcmpProbe) -> None:
    lab.silence("127.0.0.9")
    lab.reject("127.0.0.11")
    silent, rejected = await asyncio.gather(
        probe.probe(target("127.0.0.9"), FAST), probe.probe(target("127.0.0.11"), FAST)
    )
    assert not silent.ok and silent.reason == "no reply: 3 echo(es) timed out"
    assert dict(silent.fields) == {"up": 0, "sent": 3, "received": 0, "loss_pct": 100.0}
    assert not rejected.ok
    assert rejected.reason == "destination unreachable: host unreachable (type 3 code 1) from 127.0.0.11"


@pytest.mark.root
@pytest.mark.parametrize("address", ["fe80::1%eth0", "fe80::1%1", "FE80::0001%lo"])
async def test_scoped_ipv6_target_is_a_failed_result(probe: IcmpProbe, address: str) -> None:
    # Refused before any echo is sent: nothing goes to fe80::.
    result = await probe.probe(target(address), FAST)
    assert not result.ok
    assert result.reason is not None and "scoped IPv6 addresses" in result.reason
    assert result.reason.endswith("are not supported")
    assert result.fields["up"] == 0 and result.fields["sent"] == 0 and result.fields["loss_pct"] == 100.0
    assert result.tags["address"].lower().startswith("fe80::1%")


@pytest.mark.root
async def test_unresolvable_name_is_a_failed_result(lab: Lab) -> None:
    async with dns_zone() as (zone, port):
        zone.records[("till-2.store.test", "A")] = ("127.0.0.1", 60)
        resolver = Resolver(nameservers=["127.0.0.1"], port=port, hosts_file="/nonexistent")
        with lab.icmp_sockets():
            kind = IcmpProbe(resolver=resolver)
            await kind.open()
        try:
            missing = await kind.probe(target("nowhere.store.test"), FAST)
            found = await kind.probe(target("till-2.store.test"), FAST)
        finally:
            await kind.close()
    assert not missing.ok
    assert missing.reason == "name not resolved: nowhere.store.test: no such name (NXDOMAIN)"
    assert missing.tags["address"] == "nowhere.store.test"
    assert found.ok and found.tags["address"] == "127.0.0.1"


@pytest.mark.root
async def test_daemon_schedules_icmp_and_sees_a_target_go_silent(lab: Lab, tmp_path: Path) -> None:
    probes: dict[str, Any] = {
        "icmp": {
            "interval": "1s",
            "timeout": "900ms",
            "count": 2,
            "echo_interval": "10ms",
            "echo_timeout": "300ms",
        }
    }
    document = base_config(
        tmp_path,
        sites={"store": {}},
        targets=[
            {"name": "router", "address": "127.0.0.41", "site": "store", "probes": probes},
            {"name": "till", "address": "127.0.0.42", "site": "store", "probes": probes},
        ],
    )

    async def latest(daemon: Any, name: str, ok: bool) -> None:
        async with asyncio.timeout(10):
            while True:
                result = daemon.scheduler.last_results().get((name, "icmp"))
                if result is not None and result.ok is ok:
                    return
                await asyncio.sleep(0.05)

    with lab.icmp_sockets():
        async with running_daemon(document) as daemon:
            await latest(daemon, "router", True)
            lab.silence("127.0.0.42")
            await latest(daemon, "till", False)
            await latest(daemon, "router", True)
            lab.restore("127.0.0.42")
            await latest(daemon, "till", True)


@pytest.mark.root
async def test_open_exports_engine_metrics(lab: Lab, tmp_path: Path) -> None:
    from prometheus_client import CollectorRegistry

    from probes.base import ProbeContext

    registry = CollectorRegistry()
    with lab.icmp_sockets():
        kind = IcmpProbe()
        await kind.open(ProbeContext(state_dir=tmp_path, registry=registry))
    try:
        assert kind.engine is not None and kind.engine.privileged
        result = await kind.probe(target("127.0.0.1"), FAST)
        assert result.ok
        assert registry.get_sample_value("monitord_icmp_echoes_in_flight") == 0.0
        assert registry.get_sample_value("monitord_icmp_ignored_packets") == float(kind.engine.ignored)
    finally:
        await kind.close()
