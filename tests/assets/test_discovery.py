"""Discovery against real servers: net-snmp snmpd serving ENTITY-MIB (through ``pass_persist``)
and OpenSSH sshd, through a real daemon on both state back ends, with the target's own
credentials; facts stored with when they were seen, the firmware baseline, and errors kept."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from monitord.assets.ssh_facts import discover_ssh, parse_os_release
from monitord.ssh.pool import SshPool, SshUnavailable
from probes.ssh_log import SshLogSettings
from tests.assets.conftest import READ_TOKEN, Api, register_document
from tests.daemon_harness import running_daemon
from tests.servers.snmpd import SnmpdServer
from tests.servers.sshd import SshdServer

CHASSIS = {
    "index": 1,
    "class": 3,
    "contained_in": 0,
    "descr": "Cisco Catalyst 9200 chassis",
    "hardware_rev": "V01",
    "firmware_rev": "17.9.4",
    "software_rev": "17.09.04",
    "serial": "FOC2301X0AB",
    "mfg_name": "Cisco",
    "model": "C9200-24P",
}
MODULE = {
    "index": 1000,
    "class": 9,
    "contained_in": 1,
    "descr": "uplink module",
    "serial": "MOD-SERIAL-1",
    "model": "C9200-NM-4G",
}
SWITCH = {"tag": "SW-0001", "kind": "switch", "site": "head-office", "target": "core-switch"}


def _snmp_document(tmp_path: Path, state_url: str, snmpd: SnmpdServer) -> dict[str, Any]:
    document = register_document(tmp_path, state_url)
    document["targets"][0] = {
        "name": "core-switch",
        "address": snmpd.address,
        "site": "head-office",
        "probes": {
            "snmp": {
                "port": snmpd.port,
                "interval": "1h",
                "request_timeout": "0.5s",
                "retries": 0,
                "profiles": ["system"],
            }
        },
    }
    return document


@pytest.mark.root
async def test_snmp_entity_mib_facts_firmware_baseline_and_errors(
    snmpd: SnmpdServer, tmp_path: Path, state_url: str
) -> None:
    snmpd.set_entities([MODULE, CHASSIS])  # the chassis is found by its class, not by order
    async with (
        running_daemon(_snmp_document(tmp_path, state_url, snmpd)) as daemon,
        aiohttp.ClientSession() as session,
    ):
        api = Api(daemon, session)
        status, body = await api.call(
            "POST", "/assets", {**SWITCH, "serial": "FOC2301X0AB", "model": "C9200-24P"}
        )
        assert status == 201, body

        status, found = await api.call("POST", "/assets/discover?target=core-switch")
        assert status == 200, found
        asset = found["assets"][0]
        facts = {name: fact["value"] for name, fact in asset["facts"].items()}
        assert facts["model"] == "C9200-24P"
        assert facts["serial"] == "FOC2301X0AB"
        assert (facts["hardware_rev"], facts["firmware_rev"], facts["software_rev"]) == (
            "V01",
            "17.9.4",
            "17.09.04",
        )
        assert facts["vendor"] == "Cisco"
        assert facts["sys_object_id"].startswith("1.3.6.1.4.1.")
        assert "Linux" in facts["sys_descr"]  # net-snmp's own sysDescr
        assert {f["source"] for f in asset["facts"].values()} == {"snmp"}
        first = asset["facts"]["model"]
        assert first["first_seen"] == first["last_seen"] == asset["discovery"]["succeeded_at"]
        assert asset["discovery"]["error"] is None
        assert asset["drift"] == {"serial": None, "model": None, "firmware": None, "address": None}
        # The first firmware seen fills the register's empty field, audited as "discovery".
        assert asset["firmware"] == "17.9.4"
        status, history = await api.call("GET", "/assets/SW-0001/history", token=READ_TOKEN)
        assert (history["entries"][0]["actor"], history["entries"][0]["changes"][0]["text"]) == (
            "discovery",
            "firmware: (empty) -> 17.9.4",
        )

        # Seen again: first_seen stays, last_seen moves.
        status, found = await api.call("POST", "/assets/discover?target=core-switch")
        again = found["assets"][0]["facts"]["model"]
        assert again["first_seen"] == first["first_seen"] and again["last_seen"] > first["last_seen"]

        # An agent without ENTITY-MIB still tells sysDescr and sysObjectID; nothing else is compared.
        snmpd.set_entities([])
        status, found = await api.call("POST", "/assets/discover?target=core-switch")
        asset = found["assets"][0]
        current = {
            n for n, f in asset["facts"].items() if f["last_seen"] == asset["discovery"]["succeeded_at"]
        }
        assert current == {"sys_descr", "sys_object_id"}
        assert set(found["assets"][0]["drift"].values()) == {None}

        # A silent agent: the error is kept beside the asset, the facts stay.
        snmpd.stop()
        status, found = await api.call("POST", "/assets/discover?target=core-switch")
        run = found["assets"][0]["discovery"]
        assert run["error"] == "snmp: no response after 1 x 0.5s", run
        assert run["attempted_at"] > run["succeeded_at"]
        assert found["assets"][0]["facts"]["model"]["value"] == "C9200-24P"


async def test_discover_refuses_what_it_cannot_do(api: Api) -> None:
    status, body = await api.call("POST", "/assets/discover?target=ghost")
    assert (status, body["field"], body["error"]) == (404, "target", "no monitoring target named 'ghost'")
    status, body = await api.call("POST", "/assets/discover?target=core-switch")
    assert (status, body["field"]) == (422, "target")
    assert body["error"] == "target 'core-switch' has no snmp, ssh_log or backup probe to discover with"
    status, body = await api.call("POST", "/assets/discover")
    assert (status, body["field"]) == (422, "target")
    status, body = await api.call("POST", "/assets/discover?target=core-switch", token=READ_TOKEN)
    assert status == 403


def _ssh(server: SshdServer, **extra: Any) -> dict[str, Any]:
    return {
        "port": server.port,
        "username": server.user,
        "client_keys": [str(server.client_key)],
        "known_hosts": str(server.known_hosts),
        "interval": "1h",
        "timeout": "10s",
        **extra,
    }


@pytest.mark.root
async def test_ssh_os_release_through_the_daemon(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, state_url: str
) -> None:
    log = ssh_files / "app.log"
    log.write_text("")
    log.chmod(0o644)
    document = register_document(tmp_path, state_url)
    document["targets"].append(
        {
            "name": "srv-1",
            "address": "127.0.0.1",
            "site": "head-office",
            "probes": {"ssh_log": {**_ssh(sshd_server), "files": [str(log)]}},
        }
    )
    async with running_daemon(document) as daemon, aiohttp.ClientSession() as session:
        api = Api(daemon, session)
        status, body = await api.call(
            "POST", "/assets", {"tag": "SRV-0001", "kind": "server", "site": "head-office", "target": "srv-1"}
        )
        assert status == 201, body
        status, found = await api.call("POST", "/assets/discover?target=srv-1")
        assert status == 200, found
        facts = {name: (fact["value"], fact["source"]) for name, fact in found["assets"][0]["facts"].items()}
        expected = parse_os_release(Path("/etc/os-release").read_text())
        assert expected  # this machine has an os-release to compare with
        for name, value in expected.items():
            assert facts[name] == (value, "ssh")
        # No DMI on this machine (/sys/class/dmi/id is absent): no hardware facts, no error.
        if not Path("/sys/class/dmi/id/sys_vendor").exists():
            assert "vendor" not in facts
        assert found["assets"][0]["discovery"]["error"] is None


@pytest.mark.root
async def test_ssh_dmi_files_placeholders_and_unreadable_serial(
    sshd_server: SshdServer, ssh_files: Path
) -> None:
    """The DMI directory as the kernel lays it out, read over the real sshd as the unprivileged
    test user: the serial is root-only (as on real systems) and is simply not a fact."""
    dmi = ssh_files / "dmi"
    dmi.mkdir()
    dmi.chmod(0o755)
    for name, value, mode in (
        ("sys_vendor", "Dell Inc.\n", 0o444),
        ("product_name", "PowerEdge R650\n", 0o444),
        ("product_version", "To Be Filled By O.E.M.\n", 0o444),
        ("product_serial", "7XK2L33\n", 0o400),
        ("bios_version", "1.9.2\n", 0o444),
    ):
        (dmi / name).write_text(value)
        (dmi / name).chmod(mode)
    release = ssh_files / "os-release"
    release.write_text(
        'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'
    )
    release.chmod(0o644)
    settings = SshLogSettings(**_ssh(sshd_server, files=["/var/log/syslog"]))
    pool = SshPool()
    try:
        facts = await discover_ssh(
            pool, "127.0.0.1", settings, sshd_server.known_hosts, os_release=str(release), dmi_dir=str(dmi)
        )
    finally:
        await pool.close()
    assert facts == {
        "os_name": "Debian GNU/Linux",
        "os_id": "debian",
        "os_version": "12",
        "os_pretty_name": "Debian GNU/Linux 12 (bookworm)",
        "vendor": "Dell Inc.",
        "model": "PowerEdge R650",
        "firmware_rev": "1.9.2",
    }


@pytest.mark.root
async def test_ssh_refuses_an_unknown_host_key(sshd_server: SshdServer, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    settings = SshLogSettings(**_ssh(sshd_server, known_hosts=str(empty), files=["/var/log/syslog"]))
    pool = SshPool()
    try:
        with pytest.raises(SshUnavailable, match=re.escape(str(empty))):
            await discover_ssh(pool, "127.0.0.1", settings, empty)
    finally:
        await pool.close()
    assert os.path.getsize(empty) == 0  # nothing trusted on first use
