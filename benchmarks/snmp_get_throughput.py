"""GET throughput from one process against loopback snmpd, concurrency 50.

Peers in the same run: aiosnmp's own client (one socket per Snmp object, its
own decoder) and the net-snmp ``snmpget`` CLI run 8-way parallel.
Target: at least 8,000 GETs/s for monitord's client.
Run as root from the repository: ``.venv/bin/python benchmarks/snmp_get_throughput.py``.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from snmp_netns import inside, run_in_netns, start_snmpd

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
CONCURRENCY = 50
SECONDS = 5.0
TARGET_PER_S = 8000


async def monitord_gets(port: int) -> float:
    from monitord.snmp.client import SnmpTransport, V2cSession

    transport = SnmpTransport()
    session = V2cSession(transport, socket.AF_INET, ("127.0.0.1", port), "public", timeout=1.0, retries=2)
    done = 0
    deadline = time.perf_counter() + SECONDS

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await session.get([SYS_UPTIME])
            done += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - began
    transport.close()
    return done / elapsed


async def aiosnmp_gets(port: int) -> float:
    import aiosnmp

    done = 0
    deadline = time.perf_counter() + SECONDS

    async def worker(snmp: aiosnmp.Snmp) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await snmp.get(SYS_UPTIME)
            done += 1

    clients = [aiosnmp.Snmp(host="127.0.0.1", port=port, community="public", timeout=1, retries=2)
               for _ in range(CONCURRENCY)]
    began = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    elapsed = time.perf_counter() - began
    for client in clients:
        client.close()
    return done / elapsed


def snmpget_cli(port: int, env: dict[str, str]) -> float:
    deadline = time.perf_counter() + SECONDS

    def worker() -> int:
        count = 0
        while time.perf_counter() < deadline:
            subprocess.run(["snmpget", "-v2c", "-c", "public", "-On", f"udp:127.0.0.1:{port}", SYS_UPTIME],
                           env=env, check=True, capture_output=True)
            count += 1
        return count

    began = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        total = sum(pool.map(lambda _: worker(), range(8)))
    return total / (time.perf_counter() - began)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="snmp-bench-") as root:
        server = start_snmpd(Path(root))
        try:
            ours = asyncio.run(monitord_gets(server.port))  # type: ignore[attr-defined]
            theirs = asyncio.run(aiosnmp_gets(server.port))  # type: ignore[attr-defined]
            cli = snmpget_cli(server.port, server.env)  # type: ignore[attr-defined]
        finally:
            server.stop()  # type: ignore[attr-defined]
    print(f"GET sysUpTime.0, concurrency {CONCURRENCY}, {SECONDS:g} s each, loopback snmpd "
          "(shared 2-core machine)")
    print(f"  monitord client (shared socket): {ours:9,.0f} GETs/s")
    print(f"  aiosnmp.Snmp (socket per client): {theirs:8,.0f} GETs/s   ratio {ours / theirs:.2f}x")
    print(f"  snmpget CLI, 8 parallel:         {cli:9,.0f} GETs/s   ratio {ours / cli:.1f}x")
    verdict = "PASS" if ours >= TARGET_PER_S else "FAIL"
    print(f"  target >= {TARGET_PER_S:,}/s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main() if inside() else run_in_netns(__file__, interfaces=0))
