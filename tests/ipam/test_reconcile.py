"""Reconciliation sweeps and ``check: true`` against real ICMP, inside a private network namespace.

Only 127.77.0.0/28 is ever pinged (registered in IPAM and listed in
``ipam.reconcile.subnets``); the lab silences chosen addresses with nftables.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from monitord.config.loader import build_config
from monitord.ipam.service import MEASUREMENT
from monitord.results import ProbeResult
from tests.daemon_harness import READ_TOKEN, auth, running_daemon
from tests.ipam.conftest import Api, ipam_document

SUBNET = "127.77.0.0/28"


def _net(last: int) -> str:
    return f"127.77.0.{last}"


async def _results(subscription: Any) -> dict[tuple[str, str], ProbeResult]:
    """The sweep's results by (target, finding kind); the subnet summary has kind ""."""
    batch = await subscription.get_batch(100, timeout=5)
    return {(r.target, r.tags.get("finding", "")): r for r in batch if r.measurement == MEASUREMENT}


async def _alerts(api: Api, rule: str) -> list[dict[str, Any]]:
    async with api.session.get(api.url("").replace("/ipam", "/alerts"), headers=auth(READ_TOKEN)) as response:
        body = await response.json()
    return [a for a in body["alerts"] if a["rule"] == rule]


async def _wait_for_alert(api: Api, rule: str, status: str) -> list[dict[str, Any]]:
    async with asyncio.timeout(15):
        while True:
            found = await _alerts(api, rule)
            if any(a["status"] == status for a in found):
                return found
            await asyncio.sleep(0.2)


@pytest.mark.root
async def test_sweep_flags_conflicts_stale_and_resolves_them(
    lab: Any, state_url: str, tmp_path: Path
) -> None:
    """Finding 9: one sweep opened a conflict ticket per address, DHCP range included. Findings
    are grouped per subnet and kind (one alert listing them); DHCP ranges are not conflicts."""
    document = ipam_document(
        tmp_path,
        state_url,
        ipam={
            "reconcile": {
                "subnets": [SUBNET],
                "interval": "1h",
                "stale_after": "1s",
                "timeout": "500ms",
                "arp": True,
            }
        },
    )
    with lab.icmp_sockets():
        async with running_daemon(document) as daemon, aiohttp.ClientSession() as session:
            api = Api(daemon, session)
            sid = (await api.subnet(SUBNET, site="lab"))["id"]
            status, body = await api.call(
                "POST",
                f"/subnets/{sid}/ranges",
                {"name": "clients", "kind": "dhcp", "first": _net(9), "last": _net(14)},
            )
            assert status == 201, body
            for last, name in ((2, "alive-host"), (3, "gone-host")):
                status, _ = await api.call(
                    "POST", f"/subnets/{sid}/allocate", {"address": _net(last), "hostname": name}
                )
                assert status == 201
            # .5 .6 .7 answer unregistered; so do the DHCP clients .9-.14, which are no conflicts.
            lab.silence(*[_net(n) for n in (1, 3, 4, 8)])
            await asyncio.sleep(1.2)  # .3 has now been silent for longer than stale_after
            subscription = daemon.bus.subscribe("test-ipam", 1000)
            status, body = await api.call("POST", "/reconcile", {"subnet": SUBNET})
            assert status == 200, body
            sweep = body["sweeps"][0]
            assert (sweep["swept"], sweep["alive"], sweep["arp"]) == (14, 10, False)  # lo: no ARP
            status, body = await api.call("GET", "/findings", token=READ_TOKEN)
            found = sorted((f["address"], f["kind"]) for f in body["findings"])
            assert found == [
                (_net(3), "stale"),
                (_net(5), "conflict"),
                (_net(6), "conflict"),
                (_net(7), "conflict"),
            ]
            status, alive = await api.call("GET", f"/addresses/{_net(2)}", token=READ_TOKEN)
            assert alive["last_seen_at"] is not None
            published = await _results(subscription)
            assert set(published) == {
                (SUBNET, ""),
                (SUBNET, "conflict"),
                (SUBNET, "stale"),
                (SUBNET, "mac_change"),
            }  # per subnet, never per address
            conflicts = published[(SUBNET, "conflict")]
            assert conflicts.fields == {"count": 3}
            assert conflicts.evidence == tuple(f"{_net(n)}: answers but is not registered" for n in (5, 6, 7))
            assert conflicts.reason == f"3 unregistered addresses answer: {_net(5)}, {_net(6)}, {_net(7)}"
            assert published[(SUBNET, "stale")].fields == {"count": 1}
            assert published[(SUBNET, "mac_change")].fields == {"count": 0}
            assert published[(SUBNET, "")].fields["conflicts"] == 3
            assert published[(SUBNET, "")].tags == {"subnet": SUBNET, "site": "lab"}
            # The alert engine turns the three conflicts into one alert (ipam-address-conflict).
            alerts = await _wait_for_alert(api, "ipam-address-conflict", "firing")
            assert [(a["target"], a["status"]) for a in alerts] == [(SUBNET, "firing")]
            assert alerts[0]["summary"] == f"{SUBNET}: 3 addresses in use but not registered in IPAM"
            assert alerts[0]["evidence"] == list(conflicts.evidence)

            # .5 gets registered, .3 comes back: both findings resolve, .6 and .7 stay conflicts.
            status, _ = await api.call("POST", f"/subnets/{sid}/allocate", {"address": _net(5)})
            assert status == 201
            lab.restore(_net(3))
            status, body = await api.call("POST", "/reconcile", {})
            assert status == 200
            status, body = await api.call("GET", "/findings", token=READ_TOKEN)
            assert [(f["address"], f["kind"]) for f in body["findings"]] == [
                (_net(6), "conflict"),
                (_net(7), "conflict"),
            ]
            published = await _results(subscription)
            assert published[(SUBNET, "conflict")].fields == {"count": 2}
            assert published[(SUBNET, "conflict")].evidence == ()  # nothing new for the ticket
            assert published[(SUBNET, "stale")].fields == {"count": 0}
            status, body = await api.call("GET", "/findings?include_resolved=true", token=READ_TOKEN)
            resolved = {(f["address"], f["kind"]) for f in body["findings"] if f["resolved_at"]}
            assert {(_net(5), "conflict"), (_net(3), "stale")} <= resolved
            assert [a["status"] for a in await _alerts(api, "ipam-address-conflict")] == ["firing"]

            # The last two go silent: the subnet's one alert resolves.
            lab.silence(_net(6), _net(7))
            status, body = await api.call("POST", "/reconcile", {})
            assert status == 200
            alerts = await _wait_for_alert(api, "ipam-address-conflict", "resolved")
            assert [(a["target"], a["status"]) for a in alerts] == [(SUBNET, "resolved")]

            status, body = await api.call("POST", "/reconcile", {"subnet": "127.78.0.0/24"})
            assert (status, body["field"]) == (422, "subnet")


@pytest.mark.root
async def test_a_subnet_no_longer_swept_ends_its_findings_and_alerts(
    lab: Any, state_url: str, tmp_path: Path
) -> None:
    """Dropped from ``ipam.reconcile.subnets`` by a reload or across a restart, a subnet is never
    swept again: its open findings resolve and so does its alert, instead of firing for ever."""
    other = "127.78.0.0/30"

    def document(*swept: str) -> dict[str, Any]:
        return ipam_document(
            tmp_path,
            state_url,
            ipam={"reconcile": {"subnets": list(swept), "interval": "1h", "timeout": "500ms", "arp": False}},
        )

    async def firing_then_dropped(daemon: Any, api: Api) -> None:
        status, body = await api.call("POST", "/reconcile", {"subnet": SUBNET})
        assert (status, body["sweeps"][0]["active"]) == (200, {"conflict": 14}), body
        await _wait_for_alert(api, "ipam-address-conflict", "firing")

    with lab.icmp_sockets():
        async with running_daemon(document(SUBNET, other)) as daemon, aiohttp.ClientSession() as session:
            api = Api(daemon, session)
            await api.subnet(SUBNET)
            await firing_then_dropped(daemon, api)
            await daemon.apply(build_config(document(other)))  # what SIGHUP applies
            alerts = await _wait_for_alert(api, "ipam-address-conflict", "resolved")
            assert [(a["target"], a["status"]) for a in alerts] == [(SUBNET, "resolved")]
            status, body = await api.call("GET", "/findings", token=READ_TOKEN)
            assert (status, body["findings"]) == (200, [])
            await daemon.apply(build_config(document(SUBNET, other)))
            await firing_then_dropped(daemon, api)
        # Dropped while the daemon was down, leaving no subnet at all: the restart ends them.
        async with running_daemon(document()) as daemon, aiohttp.ClientSession() as session:
            api = Api(daemon, session)
            alerts = await _wait_for_alert(api, "ipam-address-conflict", "resolved")
            assert [(a["target"], a["status"]) for a in alerts] == [(SUBNET, "resolved")]
            status, body = await api.call("GET", "/findings", token=READ_TOKEN)
            assert (status, body["findings"]) == (200, [])
            status, body = await api.call("POST", "/reconcile", {})
            assert (status, body["field"]) == (409, "subnet")  # reconciliation is off
            # A reload that lists it again sweeps it at once, not an interval (1h) later.
            await daemon.apply(build_config(document(SUBNET)))
            alerts = await _wait_for_alert(api, "ipam-address-conflict", "firing")
            assert [(a["target"], a["status"]) for a in alerts] == [(SUBNET, "firing")]


@pytest.mark.root
async def test_check_true_skips_addresses_that_answer(lab: Any, tmp_path: Path) -> None:
    document = ipam_document(
        tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'state.db'}", ipam={"check_timeout": "500ms"}
    )
    with lab.icmp_sockets():
        async with running_daemon(document) as daemon, aiohttp.ClientSession() as session:
            api = Api(daemon, session)
            sid = (await api.subnet(SUBNET))["id"]
            lab.silence(_net(4))
            # .1-.3 answer (someone configured them by hand): check skips them; .4 is silent.
            status, body = await api.call("POST", f"/subnets/{sid}/allocate", {"check": True})
            assert (status, body["address"]) == (201, _net(4))
            status, body = await api.call("POST", f"/subnets/{sid}/allocate", {})
            assert (status, body["address"]) == (201, _net(1))  # without check: plain next free
            status, body = await api.call(
                "POST", f"/subnets/{sid}/allocate", {"check": True, "address": _net(2)}
            )
            assert (status, body["field"]) == (409, "address") and "answers ping" in body["error"]
            assert (body["code"], body["addresses"]) == ("candidates_answered", [_net(2)])


@pytest.mark.root
async def test_check_true_when_every_candidate_answers_is_not_no_free_address(
    lab: Any, state_url: str, tmp_path: Path
) -> None:
    """Finding 10: every candidate answering ping was reported as "subnet ... has no free address"."""
    document = ipam_document(tmp_path, state_url, ipam={"check_timeout": "500ms"})
    with lab.icmp_sockets():
        async with running_daemon(document) as daemon, aiohttp.ClientSession() as session:
            api = Api(daemon, session)
            sid = (await api.subnet("127.77.0.0/29"))["id"]
            # Every 127.x address answers in the lab: all 6 free addresses are in use on the wire.
            status, body = await api.call("POST", f"/subnets/{sid}/allocate", {"check": True})
            assert (status, body["field"], body["code"], body["answered"]) == (
                409,
                "check",
                "candidates_answered",
                6,
            ), body
            assert body["addresses"] == [_net(n) for n in range(1, 7)]
            assert body["error"].startswith("6 candidates answered ping") and "no free" not in body["error"]
            status, body = await api.call("GET", "/addresses", token=READ_TOKEN)
            assert body["total"] == 0
            for _ in range(6):
                status, _body = await api.call("POST", f"/subnets/{sid}/allocate", {})
                assert status == 201
            # A full register is the other 409: no code, the subnet named.
            status, body = await api.call("POST", f"/subnets/{sid}/allocate", {"check": True})
            assert (status, body["field"], "code" in body) == (409, "subnet_id", False), body
            assert body["error"] == "subnet 127.77.0.0/29 has no free address"


@pytest.mark.root
async def test_arp_answers_give_mac_changes_and_icmp_silent_conflicts(lab: Any, tmp_path: Path) -> None:
    """ARP needs a directly attached link, which a test may not use; the sweep's comparison of
    ARP answers with the register is checked here with the ARP answers given as data."""
    from netaddr import IPNetwork

    from monitord.ipam.allocator import Allocator
    from monitord.ipam.choice import AddressRequest
    from monitord.ipam.pinger import EnginePinger
    from monitord.ipam.reconcile import SweepSettings, list_findings, sweep
    from monitord.ipam.subnets import NewSubnet, create_subnet
    from monitord.store.engine import StateStore

    store = await StateStore.open(None, tmp_path)
    pinger = EnginePinger(count=1)
    try:
        sid = (await create_subnet(store.engine, NewSubnet(IPNetwork(SUBNET)), "t"))["id"]
        allocator = Allocator(store.engine)
        await allocator.allocate(sid, AddressRequest(address=_net(1), mac="00:00:5e:00:53:01"), "t")
        await allocator.allocate(sid, AddressRequest(address=_net(2), mac="00:00:5e:00:53:02"), "t")
        lab.silence(*[_net(n) for n in range(1, 15)])  # nothing answers ICMP ...
        seen = {_net(1): "00:00:5e:00:53:01", _net(2): "00:00:5e:00:53:99", _net(9): "00:00:5e:00:53:09"}

        async def arp(network: IPNetwork, timeout: float) -> dict[str, str]:
            assert str(network) == SUBNET  # ... but ARP does, for the swept subnet only
            return seen

        with lab.icmp_sockets():
            report = await sweep(store.engine, SUBNET, pinger, arp, SweepSettings(86400, 0.3, 1024))
        assert (report.arp, report.alive) == (True, 3)
        found = sorted((f["address"], f["kind"]) for f in await list_findings(store.engine))
        assert found == [(_net(2), "mac_change"), (_net(9), "conflict")]
        mac_change = next(f for f in await list_findings(store.engine, kind="mac_change"))
        assert mac_change["detail"] == "registered MAC 00:00:5e:00:53:02, seen 00:00:5e:00:53:99"
    finally:
        await pinger.close()
        await store.close()
