"""Rule coverage: ``ipam-address-conflict`` and ``ipam-mac-change`` fire and resolve end to end.

A real daemon sweeps a subnet on a veth link between two network namespaces this
test creates: the lab (where the daemon's ICMP and ARP sweeps run) and a peer
that plays the devices. Devices appear (an unregistered address answers) or
change MAC for real, and the built-in rules must give exactly one ticket and one
message at a real ``json://`` receiver, then exactly one resolved message.

198.51.100.0/28 (TEST-NET-2) exists only inside those two namespaces; nothing is
sent outside them.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from monitord.daemon import Daemon
from monitord.ipam.arp import use_sweep_context
from tests.alerts.harness import api, config_doc, running, wait_until
from tests.lab.netns import Lab
from tests.servers.receiver import Receiver

SUBNET = "198.51.100.0/28"
OURS = "198.51.100.1"  # the lab end of the link (the daemon's own address)
DEVICE = "198.51.100.2"  # the registered device in the peer namespace
DEVICE_MAC = "02:00:5e:00:02:02"
SETTLE = 1.5  # seconds after a message in which no second one may arrive


class Link:
    """A veth pair: ``vl`` in the lab (``OURS``), ``vp`` in a peer namespace (the devices)."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.peer = f"{lab.name}-peer"
        self._ip("netns", "add", self.peer)
        try:
            self._ip(
                "-n", lab.name, "link", "add", "vl", "type", "veth", "peer", "name", "vp", "netns", self.peer
            )
            self._ip("-n", lab.name, "addr", "add", f"{OURS}/28", "dev", "vl")
            self._ip("-n", lab.name, "link", "set", "vl", "up")
            self.set_mac(DEVICE_MAC)
            self.add(DEVICE)
            self._ip("-n", self.peer, "link", "set", "vp", "up")
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _ip(*argv: str) -> None:
        done = subprocess.run(["ip", *argv], capture_output=True, text=True, timeout=20, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"ip {' '.join(argv)}: {done.stderr.strip()}")

    def add(self, address: str) -> None:
        """A device with ``address`` appears in the peer namespace."""
        self._ip("-n", self.peer, "addr", "add", f"{address}/28", "dev", "vp")

    def remove(self, address: str) -> None:
        self._ip("-n", self.peer, "addr", "del", f"{address}/28", "dev", "vp")

    def set_mac(self, mac: str) -> None:
        """The peer's devices now answer ARP with ``mac`` (a swapped network card)."""
        self._ip("-n", self.peer, "link", "set", "vp", "address", mac)

    def close(self) -> None:
        subprocess.run(["ip", "netns", "del", self.peer], capture_output=True, timeout=20, check=False)


@contextlib.contextmanager
def sweeping_on_link(lab: Lab) -> Iterator[Link]:
    """The link, with the daemon's ICMP engine and ARP sweeps inside the lab namespace."""
    link = Link(lab)
    try:
        with lab.icmp_sockets(), use_sweep_context(lab.inside):
            yield link
    finally:
        link.close()


def _document(tmp_path: Path, receiver: Receiver, state_url: str) -> dict[str, Any]:
    doc = config_doc(
        tmp_path, [], receiver.url(), state_url=state_url, rules=[], alerts={"default_rules": True}
    )
    doc["ipam"] = {
        "reconcile": {"subnets": [SUBNET], "interval": "1h", "timeout": "1s", "count": 1, "arp": True}
    }
    return doc


async def _register(daemon: Daemon) -> None:
    status, body = await api(daemon, "POST", "/api/v1/ipam/subnets", json={"cidr": SUBNET})
    assert status == 201, body
    subnet_id = body["id"]
    for address, extra in ((OURS, {"hostname": "monitord"}), (DEVICE, {"mac": DEVICE_MAC})):
        status, body = await api(
            daemon, "POST", f"/api/v1/ipam/subnets/{subnet_id}/allocate", json={"address": address, **extra}
        )
        assert status == 201, body


async def _sweep(daemon: Daemon) -> dict[str, Any]:
    status, body = await api(daemon, "POST", "/api/v1/ipam/reconcile", json={"subnet": SUBNET})
    assert status == 200, body
    sweep: dict[str, Any] = body["sweeps"][0]
    assert sweep["arp"] is True, sweep  # the link is attached: ARP ran, inside the lab
    return sweep


async def _tickets(daemon: Daemon) -> list[dict[str, Any]]:
    status, body = await api(daemon, "GET", "/api/v1/tickets")
    assert status == 200
    return list(body["tickets"])


async def _ticket_of(daemon: Daemon, rule: str) -> dict[str, Any]:
    tickets = await _tickets(daemon)
    assert [(t["rule"], t["target"]) for t in tickets] == [(rule, SUBNET)], tickets
    status, ticket = await api(daemon, "GET", f"/api/v1/tickets/{tickets[0]['id']}")
    assert status == 200
    return dict(ticket)


async def _one_more_message(receiver: Receiver, before: int) -> Any:
    messages = await receiver.wait_for(before + 1, 60)
    await asyncio.sleep(SETTLE)  # nothing more may arrive
    assert len(receiver.messages) == before + 1, [m.title for m in receiver.messages]
    return messages[before]


async def _quiet(receiver: Receiver, count: int) -> None:
    await asyncio.sleep(SETTLE)
    assert len(receiver.messages) == count, [m.title for m in receiver.messages]


@pytest.mark.root
@pytest.mark.rule_coverage("ipam-address-conflict")
async def test_unregistered_addresses_fire_one_conflict_alert_per_subnet_and_resolve(
    lab: Lab, tmp_path: Path, receiver: Receiver, state_url: str
) -> None:
    with sweeping_on_link(lab) as link:
        async with running(_document(tmp_path, receiver, state_url)) as daemon:
            await _register(daemon)
            sweep = await _sweep(daemon)
            assert (sweep["alive"], sweep["active"]) == (2, {}), sweep
            await _quiet(receiver, 0)

            # Two hand-configured hosts appear: one sweep, one alert, one ticket, one message.
            link.add("198.51.100.9")
            link.add("198.51.100.10")
            sweep = await _sweep(daemon)
            assert sweep["active"] == {"conflict": 2}, sweep
            fired = await _one_more_message(receiver, 0)
            assert "FIRING" in fired.title and "ipam-address-conflict" in fired.body
            assert f"{SUBNET}: 2 addresses in use but not registered in IPAM" in fired.body
            ticket = await _ticket_of(daemon, "ipam-address-conflict")
            evidence = "\n".join(e["text"] for e in ticket["history"] if e["kind"] == "evidence")
            assert "198.51.100.9: answers but is not registered (MAC 02:00:5e:00:02:02)" in evidence
            assert "198.51.100.10: answers but is not registered" in evidence

            # Still there at the next sweep: still one ticket, no second message.
            await _sweep(daemon)
            await _quiet(receiver, 1)
            assert len(await _tickets(daemon)) == 1

            # They leave: one resolved message.
            link.remove("198.51.100.9")
            link.remove("198.51.100.10")
            sweep = await _sweep(daemon)
            assert sweep["active"] == {}, sweep
            resolved = await _one_more_message(receiver, 1)
            assert "RESOLVED" in resolved.title and "ipam-address-conflict" in resolved.body
            assert resolved.key != fired.key
            assert len(await _tickets(daemon)) == 1


@pytest.mark.root
@pytest.mark.rule_coverage("ipam-mac-change")
async def test_a_swapped_network_card_fires_one_mac_change_alert_and_resolves(
    lab: Lab, tmp_path: Path, receiver: Receiver, state_url: str
) -> None:
    with sweeping_on_link(lab) as link:
        async with running(_document(tmp_path, receiver, state_url)) as daemon:
            await _register(daemon)
            sweep = await _sweep(daemon)
            assert sweep["active"] == {}, sweep
            await _quiet(receiver, 0)

            link.set_mac("02:00:5e:00:02:99")
            sweep = await _sweep(daemon)
            assert sweep["active"] == {"mac_change": 1}, sweep
            fired = await _one_more_message(receiver, 0)
            assert "FIRING" in fired.title and "ipam-mac-change" in fired.body
            assert f"{SUBNET}: 1 addresses answer with a MAC other than the registered one" in fired.body
            ticket = await _ticket_of(daemon, "ipam-mac-change")
            evidence = "\n".join(e["text"] for e in ticket["history"] if e["kind"] == "evidence")
            assert f"{DEVICE}: registered MAC {DEVICE_MAC}, seen 02:00:5e:00:02:99" in evidence

            await _sweep(daemon)
            await _quiet(receiver, 1)

            link.set_mac(DEVICE_MAC)
            sweep = await _sweep(daemon)
            assert sweep["active"] == {}, sweep
            resolved = await _one_more_message(receiver, 1)
            assert "RESOLVED" in resolved.title and "ipam-mac-change" in resolved.body
            assert len(await _tickets(daemon)) == 1

            async def seen_again() -> bool:
                _, address = await api(daemon, "GET", f"/api/v1/ipam/addresses/{DEVICE}")
                return bool(address["seen_mac"] == DEVICE_MAC)

            await wait_until(seen_again, 10, "the register to record the MAC seen")
