"""GET throughput from one process against loopback snmpd, concurrency 50, three clients interleaved.

Contenders, each with its sockets opened once and ``COUNT`` GETs of sysUpTime.0 per round,
50 outstanding at a time: monitord's client (one shared socket), aiosnmp's own client (one
socket per ``Snmp`` object, its own decoder) and net-snmp's library in process
(``netsnmp_peer.c``: 50 sessions on its asynchronous API). Rounds are interleaved with the
order rotating, so the machine's other load hits all three alike; the earlier
"monitord vs the ``snmpget`` command" ratio is gone: it measured process start-up.
Goal: at least 8,000 GETs/s for monitord's client.

    .venv/bin/python -m benchmarks.snmp_get_throughput [--quick]   (root: network namespace)
"""

from __future__ import annotations

import asyncio
import socket
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Figure, ainterleave, parser, report
from benchmarks.netsnmp_peer import NetSnmpPeer
from benchmarks.snmp_netns import arguments, inside, run_in_netns, start_snmpd

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
CONCURRENCY = 50
TARGET_PER_S = 8000


async def compare(port: int, env: dict[str, str], count: int, rounds: int) -> list[Figure]:
    import aiosnmp

    from monitord.snmp.client import SnmpTransport, V2cSession

    transport = SnmpTransport()
    session = V2cSession(transport, socket.AF_INET, ("127.0.0.1", port), "public", timeout=1.0, retries=2)
    clients = [
        aiosnmp.Snmp(host="127.0.0.1", port=port, community="public", timeout=1, retries=2)
        for _ in range(CONCURRENCY)
    ]
    peer = NetSnmpPeer(port, env)
    per_worker = count // CONCURRENCY

    async def ours() -> float:
        async def worker() -> None:
            for _ in range(per_worker):
                await session.get([SYS_UPTIME])

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return per_worker * CONCURRENCY / (time.perf_counter() - began)

    async def theirs() -> float:
        async def worker(client: aiosnmp.Snmp) -> None:
            for _ in range(per_worker):
                await client.get(SYS_UPTIME)

        began = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in clients))
        return per_worker * CONCURRENCY / (time.perf_counter() - began)

    async def netsnmp() -> float:
        seconds, answered = peer.gets(SYS_UPTIME, per_worker * CONCURRENCY, CONCURRENCY)
        if answered != per_worker * CONCURRENCY:
            raise SystemExit(f"net-snmp: {answered} of {per_worker * CONCURRENCY} GETs answered")
        return answered / seconds

    try:
        samples = await ainterleave({"monitord": ours, "aiosnmp": theirs, "net-snmp": netsnmp}, rounds)
    finally:
        peer.close()
        for client in clients:
            client.close()
        transport.close()
    first = Figure(
        "snmp_get_throughput",
        f"SNMP GET, concurrency {CONCURRENCY}, vs aiosnmp",
        "GETs/s",
        "higher",
        samples["monitord"],
        "aiosnmp",
        samples["aiosnmp"],
        goal=f">= {TARGET_PER_S:,}/s",
    )
    first.met = first.ours_median >= TARGET_PER_S
    second = Figure(
        "snmp_get_throughput",
        f"SNMP GET, concurrency {CONCURRENCY}, vs net-snmp",
        "GETs/s",
        "higher",
        samples["monitord"],
        "libnetsnmp async",
        samples["net-snmp"],
    )
    return [first, second]


def main() -> int:
    options = parser(__doc__).parse_args(arguments())
    count, rounds = (2000, 7) if options.quick else (10000, 15)
    with tempfile.TemporaryDirectory(prefix="snmp-bench-") as root:
        server = start_snmpd(Path(root))
        try:
            figures = asyncio.run(compare(server.port, server.env, count, rounds))
        finally:
            server.stop()
    report(f"SNMP GET sysUpTime.0, {count:,} GETs per round, loopback snmpd", figures, rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main() if inside() else run_in_netns("benchmarks.snmp_get_throughput", interfaces=0))
