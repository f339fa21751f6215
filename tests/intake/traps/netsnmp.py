"""net-snmp's own clients (``snmptrap``, ``snmpinform``) as the devices of the trap tests.

Each call runs the real binary against the receiver on loopback and returns its exit
code: ``snmpinform`` exits 0 only once the receiver acknowledged (a Response PDU), and
non-zero after its retries time out. ``source`` picks the sender address (any 127/8
address: ``--clientaddr``), so one host plays several devices.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import tempfile
from dataclasses import dataclass

from tests.servers.processes import need_binary

LINK_DOWN = "1.3.6.1.6.3.1.1.5.3"
LINK_UP = "1.3.6.1.6.3.1.1.5.4"
COLD_START = "1.3.6.1.6.3.1.1.5.1"
WARM_START = "1.3.6.1.6.3.1.1.5.2"
AUTH_FAILURE = "1.3.6.1.6.3.1.1.5.5"
# APC PowerNet: upsOnBattery (enterprise 318, specific 5) and powerRestored (specific 9) as
# SNMPv2 trap OIDs (RFC 3584: enterprise.0.specific).
UPS_ON_BATTERY = "1.3.6.1.4.1.318.0.5"
UPS_POWER_RESTORED = "1.3.6.1.4.1.318.0.9"
CLIENT_TIMEOUT = 30.0

IF_INDEX, IF_DESCR, IF_ADMIN, IF_OPER = (f"1.3.6.1.2.1.2.2.1.{c}" for c in (1, 2, 7, 8))
IF_NAME, IF_ALIAS = "1.3.6.1.2.1.31.1.1.1.1", "1.3.6.1.2.1.31.1.1.1.18"


@dataclass(frozen=True)
class V3User:
    user: str = "trapper"
    auth_key: str = "trap-auth-key-1"
    priv_key: str = "trap-priv-key-1"
    engine_id: str = "0x8000000001020304"  # the sending device's engine ID (traps)

    def config(self) -> dict[str, object]:
        return {
            "user": self.user,
            "auth_protocol": "SHA",
            "auth_key": self.auth_key,
            "priv_protocol": "AES",
            "priv_key": self.priv_key,
            "engine_ids": [self.engine_id],
        }

    def args(self, *, trap: bool) -> list[str]:
        out = ["-v3", "-u", self.user, "-l", "authPriv", "-a", "SHA", "-A", self.auth_key]
        out += ["-x", "AES", "-X", self.priv_key]
        return out + (["-e", self.engine_id] if trap else [])


def interface(index: int, *, admin: int = 1, oper: int = 2, name: str = "", alias: str = "") -> list[str]:
    """The varbinds of an IF-MIB linkDown/linkUp trap (RFC 2863), with ifName/ifAlias if given."""
    out = [f"{IF_INDEX}.{index}", "i", str(index), f"{IF_ADMIN}.{index}", "i", str(admin)]
    out += [f"{IF_OPER}.{index}", "i", str(oper)]
    if name:
        out += [f"{IF_NAME}.{index}", "s", name]
    if alias:
        out += [f"{IF_ALIAS}.{index}", "s", alias]
    return out


# The clients keep engine boots and caches in a persistent directory and read snmp.conf files:
# a private directory for both, so the host's net-snmp setup plays no part.
_HOME = tempfile.mkdtemp(prefix="monitord-netsnmp-clients-")
_ENV = {**os.environ, "SNMP_PERSISTENT_DIR": _HOME, "SNMPCONFPATH": _HOME, "MIBS": ""}


async def _run(args: list[str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=_ENV
    )
    try:
        async with asyncio.timeout(CLIENT_TIMEOUT):
            output, _ = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    return int(process.returncode or 0), output.decode(errors="replace")


def _agent(port: int, source: str) -> list[str]:
    return [f"--clientaddr={source}", f"udp:127.0.0.1:{port}"]


async def trap_v2c(
    port: int,
    oid: str,
    varbinds: list[str] | None = None,
    *,
    community: str = "public",
    source: str = "127.0.0.1",
) -> tuple[int, str]:
    binary = need_binary("snmptrap", "snmp")
    return await _run([binary, "-v2c", "-c", community, *_agent(port, source), "", oid, *(varbinds or [])])


async def trap_v1(
    port: int,
    enterprise: str,
    generic: int,
    specific: int,
    varbinds: list[str] | None = None,
    *,
    community: str = "public",
    source: str = "127.0.0.1",
) -> tuple[int, str]:
    binary = need_binary("snmptrap", "snmp")
    args = [
        binary,
        "-v1",
        "-c",
        community,
        *_agent(port, source),
        enterprise,
        source,
        str(generic),
        str(specific),
    ]
    return await _run([*args, "", *(varbinds or [])])


async def trap_v3(
    port: int, user: V3User, oid: str, varbinds: list[str] | None = None, *, source: str = "127.0.0.1"
) -> tuple[int, str]:
    binary = need_binary("snmptrap", "snmp")
    return await _run([binary, *user.args(trap=True), *_agent(port, source), "", oid, *(varbinds or [])])


async def inform_v2c(
    port: int,
    oid: str,
    varbinds: list[str] | None = None,
    *,
    community: str = "public",
    source: str = "127.0.0.1",
    retries: int = 1,
    timeout: float = 2.0,
) -> tuple[int, str]:
    binary = need_binary("snmpinform", "snmp")
    args = [binary, "-v2c", "-c", community, "-r", str(retries), "-t", str(timeout), *_agent(port, source)]
    return await _run([*args, "", oid, *(varbinds or [])])


async def inform_v3(
    port: int,
    user: V3User,
    oid: str,
    varbinds: list[str] | None = None,
    *,
    source: str = "127.0.0.1",
    retries: int = 1,
    timeout: float = 2.0,
) -> tuple[int, str]:
    binary = need_binary("snmpinform", "snmp")
    args = [binary, *user.args(trap=False), "-r", str(retries), "-t", str(timeout), *_agent(port, source)]
    return await _run([*args, "", oid, *(varbinds or [])])


def capture(args: list[str]) -> bytes:
    """The datagram a net-snmp client sends (``{port}`` in ``args`` is a local socket's port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(CLIENT_TIMEOUT)
        port = sock.getsockname()[1]
        filled = [a.replace("{port}", str(port)) for a in args]
        subprocess.run(filled, check=True, env=_ENV, timeout=CLIENT_TIMEOUT, capture_output=True)
        data, _ = sock.recvfrom(65535)
    return data
