"""A real net-snmp ``snmpd`` on a free loopback UDP port, with its own configuration.

It serves v1/v2c (community ``public``) and an SNMPv3 authPriv user (SHA/AES,
created with ``createUser`` into a private persistent directory). With
``controlled=True`` snmpd's own interface modules are left out and IF-MIB's
ifTable/ifXTable come from ``snmp_ifmib_agent.py`` (``pass_persist``), whose
values the test sets through ``set_interfaces``: counter wraps, an interface
going down. ``restart()`` restarts the agent (sysUpTime starts again, as after
a device reboot). No MIB files are needed: everything is numeric.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.servers.processes import free_port, need_binary, stop

COMMUNITY = "public"
V3_USER = "monitor"
V3_AUTH_KEY = "auth-secret-1"
V3_PRIV_KEY = "priv-secret-1"
SYS_UPTIME = ".1.3.6.1.2.1.1.3.0"
AGENT_SCRIPT = Path(__file__).with_name("snmp_ifmib_agent.py")


def snmp_env(persist: Path) -> dict[str, str]:
    """Environment for snmpd and the net-snmp CLI tools: no MIB loading, private state."""
    env = dict(os.environ)
    env.update(
        {
            "MIBS": "",
            "MIBDIRS": "/nonexistent",
            "SNMP_PERSISTENT_DIR": str(persist),
            "SNMPCONFPATH": str(persist),
        }
    )
    return env


def default_interfaces() -> list[dict[str, Any]]:
    return [
        {
            "index": 1,
            "name": "Gi0/1",
            "descr": "GigabitEthernet0/1",
            "alias": "uplink",
            "speed_mbps": 1000,
            "in_octets": 1_000_000,
            "out_octets": 2_000_000,
            "in_ucast": 1000,
            "out_ucast": 2000,
        },
        {
            "index": 2,
            "name": "Gi0/2",
            "descr": "GigabitEthernet0/2",
            "alias": "pos-till-1",
            "speed_mbps": 100,
            "hc": False,
            "in_octets": 500,
            "out_octets": 700,
        },
    ]


class SnmpdServer:
    """One snmpd process; ``address`` is the first listening address, ``port`` its UDP port."""

    def __init__(
        self, root: Path, *, controlled: bool = True, addresses: Sequence[str] = ("127.0.0.1",)
    ) -> None:
        self.snmpd = need_binary("/usr/sbin/snmpd", "snmpd")
        self.root = root
        self.persist = root / "persist"
        self.persist.mkdir(parents=True, exist_ok=True)
        self.state = root / "interfaces.json"
        self.entity_state = root / "entities.json"
        self.conf = root / "snmpd.conf"
        self.log = root / "snmpd.log"
        self.addresses = list(addresses)
        self.address = self.addresses[0]
        self.port = free_port(self.address, kind=2)  # SOCK_DGRAM
        self.controlled = controlled
        self.process: subprocess.Popen[bytes] | None = None
        self.env = snmp_env(self.persist)
        if controlled:
            self.set_interfaces(default_interfaces())
        self._write_conf()

    def _write_conf(self) -> None:
        listen = ",".join(
            f"udp6:[{a}]:{self.port}" if ":" in a else f"udp:{a}:{self.port}" for a in self.addresses
        )
        lines = [
            f"agentaddress {listen}",
            f"rocommunity {COMMUNITY} 127.0.0.0/8",
            f"rocommunity6 {COMMUNITY} ::1/128",
            f"createUser {V3_USER} SHA {V3_AUTH_KEY} AES {V3_PRIV_KEY}",
            f"rouser {V3_USER} authPriv",
            "sysName monitord-test-agent",
            "sysLocation loopback",
            "sysContact ops@example.invalid",
            "sysServices 72",
            "dontLogTCPWrappersConnects yes",
        ]
        if self.controlled:
            python = sys.executable
            lines += [
                f"pass_persist .1.3.6.1.2.1.2.2 {python} {AGENT_SCRIPT} iftable {self.state}",
                f"pass_persist .1.3.6.1.2.1.31.1.1 {python} {AGENT_SCRIPT} ifxtable {self.state}",
                f"pass_persist .1.3.6.1.2.1.47.1.1.1 {python} {AGENT_SCRIPT} entphysical {self.entity_state}",
            ]
        self.conf.write_text("\n".join(lines) + "\n")

    def set_interfaces(self, interfaces: list[dict[str, Any]]) -> None:
        """Replace what the controlled IF-MIB serves (atomically; read on the next request)."""
        scratch = self.state.with_suffix(".tmp")
        scratch.write_text(json.dumps({"interfaces": interfaces}))
        os.replace(scratch, self.state)

    def set_entities(self, entities: list[dict[str, Any]]) -> None:
        """Replace ENTITY-MIB's entPhysicalTable (keys: index, class, contained_in, descr, name,
        hardware_rev, firmware_rev, software_rev, serial, mfg_name, model); empty by default."""
        scratch = self.entity_state.with_suffix(".tmp")
        scratch.write_text(json.dumps({"entities": entities}))
        os.replace(scratch, self.entity_state)

    def start(self) -> None:
        command = [
            self.snmpd,
            "-f",
            "-Lf",
            str(self.log),
            "-C",
            "-c",
            str(self.conf),
            "-p",
            str(self.root / "snmpd.pid"),
        ]
        # No SMUX (several test agents would fight over TCP port 199); in controlled mode
        # leave out snmpd's own interface modules so the pass_persist agent serves IF-MIB.
        excluded = "-smux,ifTable,ifXTable,interfaces" if self.controlled else "-smux"
        command += ["-I", excluded]
        self.process = subprocess.Popen(
            command,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            if self.snmpget(SYS_UPTIME, timeout=0.3, check=False).returncode == 0:
                return
        tail = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
        self.stop()
        pytest.fail(f"snmpd did not come up on {self.address}:{self.port}\n{tail}")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def restart(self) -> None:
        """Stop and start again: sysUpTime restarts from zero, like a rebooted device."""
        self.stop()
        self.start()

    def cli(
        self, tool: str, *args: str, timeout: float = 1.0, check: bool = True, version: str = "2c"
    ) -> subprocess.CompletedProcess[str]:
        """Run a net-snmp CLI tool (numeric output) against this agent."""
        auth = (
            ["-v", version, "-c", COMMUNITY]
            if version != "3"
            else [
                "-v3",
                "-l",
                "authPriv",
                "-u",
                V3_USER,
                "-a",
                "SHA",
                "-A",
                V3_AUTH_KEY,
                "-x",
                "AES",
                "-X",
                V3_PRIV_KEY,
            ]
        )
        agent = (
            f"udp6:[{self.address}]:{self.port}"
            if ":" in self.address
            else (f"udp:{self.address}:{self.port}")
        )
        command = [tool, *auth, "-On", "-t", str(timeout), "-r", "0", agent, *args]
        return subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=timeout * 4 + 10, check=check
        )

    def snmpget(
        self, *oids: str, timeout: float = 1.0, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return self.cli("snmpget", *oids, timeout=timeout, check=check)


@pytest.fixture
def snmpd(tmp_path: Path) -> Iterator[SnmpdServer]:
    """A fresh snmpd whose IF-MIB the test controls (two interfaces to start with)."""
    if os.geteuid() != 0:
        pytest.skip("needs root: snmpd is started as a system server")
    server = SnmpdServer(tmp_path / "snmpd")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def snmpd_native() -> Iterator[SnmpdServer]:
    """One snmpd serving its own IF-MIB and HOST-RESOURCES (the machine's real interfaces)."""
    if os.geteuid() != 0:
        pytest.skip("needs root: snmpd is started as a system server")
    root = Path(tempfile.mkdtemp(prefix="monitord-snmpd-"))
    server = SnmpdServer(root, controlled=False)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
