"""Rule coverage, the equipment register: ``asset-drift`` fires when a real net-snmp agent (its
ENTITY-MIB served from a file the test writes) reports another serial or firmware than the
register, or when IPAM reconciliation sees the asset's target answer at an address the asset
does not link; it resolves when the register is corrected. One ticket, one message, one
resolved message at the real ``json://`` receiver each time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from monitord.daemon import Daemon
from tests.alerts.coverage.conftest import SharedSnmpd
from tests.alerts.coverage.matrix import Incident, matrix_doc
from tests.alerts.harness import api, running
from tests.servers.receiver import Receiver

pytestmark = pytest.mark.root

TARGET = "sw-store-3"
TAG = "SW-0301"
CHASSIS = {
    "index": 1,
    "class": 3,
    "contained_in": 0,
    "firmware_rev": "17.9.4",
    "serial": "FOC2301X0AB",
    "mfg_name": "Cisco",
    "model": "C9200-24P",
}
SUBNET = "127.77.0.4/30"  # .5 and .6 only: both registered, so reconciliation finds no conflict


@pytest.fixture
def entities(snmpd_agent: SharedSnmpd) -> Iterator[SharedSnmpd]:
    snmpd_agent.set_entities([CHASSIS])
    try:
        yield snmpd_agent
    finally:
        snmpd_agent.set_entities([])


def _doc(tmp_path: Path, receiver: Receiver, agent: SharedSnmpd, **sections: Any) -> dict[str, Any]:
    target = {
        "name": TARGET,
        "address": agent.address,
        "site": "store-3",
        "probes": {"snmp": {"port": agent.port, "interval": "1h", "request_timeout": "0.5s", "retries": 1}},
    }
    return matrix_doc(tmp_path, [target], receiver, **sections)


async def _asset(daemon: Daemon, **fields: Any) -> None:
    body = {"tag": TAG, "kind": "switch", "site": "store-3", "target": TARGET, **fields}
    status, created = await api(daemon, "POST", "/api/v1/assets", json=body)
    assert status == 201, created


async def _discover(daemon: Daemon) -> dict[str, Any]:
    status, found = await api(daemon, "POST", f"/api/v1/assets/discover?target={TARGET}")
    assert status == 200, found
    return dict(found["assets"][0])


async def _patch(daemon: Daemon, **fields: Any) -> None:
    status, body = await api(daemon, "PATCH", f"/api/v1/assets/{TAG}", json=fields)
    assert status == 200, body


@pytest.mark.rule_coverage("asset-drift")
async def test_a_serial_other_than_the_register_fires_until_the_register_is_corrected(
    tmp_path: Path, receiver: Receiver, entities: SharedSnmpd
) -> None:
    async with running(_doc(tmp_path, receiver, entities)) as daemon:
        incident = Incident(daemon, receiver, "asset-drift", TAG)
        await _asset(daemon, serial="FOC2301X0AB", model="C9200-24P")
        assert set((await _discover(daemon))["drift"].values()) == {None}
        await incident.no_news_yet()

        await _patch(daemon, serial="FOC9999Z0ZZ")  # a typo in the register (or a swapped box)
        ticket = await incident.fired()
        assert ticket["priority"] == "normal"
        assert (
            f"asset {TAG}: serial differs: the register says FOC9999Z0ZZ, the device reports FOC2301X0AB"
            in receiver.messages[0].body
        )
        await _discover(daemon)  # still drifting: still one ticket, no second message

        await _patch(daemon, serial="FOC2301X0AB")
        await incident.resolved()


async def test_a_firmware_change_fires_until_the_register_records_it(
    tmp_path: Path, receiver: Receiver, entities: SharedSnmpd
) -> None:
    async with running(_doc(tmp_path, receiver, entities)) as daemon:
        incident = Incident(daemon, receiver, "asset-drift", TAG)
        await _asset(daemon)
        assert (await _discover(daemon))["firmware"] == "17.9.4"  # the baseline, from the device
        await incident.no_news_yet()

        entities.set_entities([{**CHASSIS, "firmware_rev": "17.12.1"}])  # upgraded behind our back
        found = await _discover(daemon)
        assert found["drift"]["firmware"] == (
            "firmware changed: the register says 17.9.4, the device now runs 17.12.1 "
            "(set the asset's firmware once the change is known)"
        )
        await incident.fired()
        await _patch(daemon, firmware="17.12.1")
        await incident.resolved()


async def test_an_address_the_register_does_not_link_fires_until_it_is_linked(
    tmp_path: Path, receiver: Receiver, entities: SharedSnmpd
) -> None:
    ipam = {"reconcile": {"subnets": [SUBNET], "interval": "1h", "timeout": "500ms", "arp": False}}
    async with running(_doc(tmp_path, receiver, entities, ipam=ipam)) as daemon:
        incident = Incident(daemon, receiver, "asset-drift", TAG)
        status, subnet = await api(daemon, "POST", "/api/v1/ipam/subnets", json={"cidr": SUBNET})
        assert status == 201, subnet
        for address, extra in (("127.77.0.5", {"target": TARGET}), ("127.77.0.6", {})):
            status, body = await api(
                daemon,
                "POST",
                f"/api/v1/ipam/subnets/{subnet['id']}/allocate",
                json={"address": address, **extra},
            )
            assert status == 201, body
        await _asset(daemon)
        assert (await _discover(daemon))["drift"]["address"] is None  # not seen answering yet
        await incident.no_news_yet()

        status, sweep = await api(daemon, "POST", "/api/v1/ipam/reconcile", json={"subnet": SUBNET})
        assert status == 200 and sweep["sweeps"][0]["alive"] == 2, sweep
        found = await _discover(daemon)
        assert (
            found["drift"]["address"]
            == "answers at 127.77.0.5, which the register does not link to the asset"
        )
        await incident.fired()

        await _patch(daemon, addresses=["127.77.0.5"])
        await incident.resolved()
