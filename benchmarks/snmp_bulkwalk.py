"""Bulk walk of IF-MIB: monitord vs net-snmp's own library, same subtree, same agent, warm sessions.

snmpd runs in a private namespace with 48 ifb ports (a switch-sized table).
Both sides use GETBULK with max-repetitions 25 on a session opened once. The peer is
libnetsnmp itself (``netsnmp_peer.c``: ``snmp_synch_response`` in a loop), not the
``snmpbulkwalk`` command: the command pays about 4 ms of process start-up per walk,
which is more than the walk, and monitord pays no such thing. Rounds are
interleaved (order rotating). Also shown: the ``interfaces`` profile read (every
column the probe needs, several columns per GETBULK), which has no peer.
Goal: monitord's walk takes at most 2x net-snmp's time.

    .venv/bin/python -m benchmarks.snmp_bulkwalk [--quick]   (root: network namespace)
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

SUBTREES = {"ifTable": "1.3.6.1.2.1.2.2", "ifXTable": "1.3.6.1.2.1.31.1.1"}
REPETITIONS = 25


async def compare(port: int, env: dict[str, str], rounds: int) -> list[Figure]:
    from monitord.snmp.client import SnmpTransport, V2cSession
    from monitord.snmp.profiles import read_interfaces
    from monitord.snmp.table import walk

    transport = SnmpTransport()
    session = V2cSession(transport, socket.AF_INET, ("127.0.0.1", port), "public", timeout=2.0, retries=1)
    peer = NetSnmpPeer(port, env)
    figures = []
    try:
        for name, oid in SUBTREES.items():
            counts: dict[str, int] = {}

            async def ours(oid: str = oid, counts: dict[str, int] = counts) -> float:
                began = time.perf_counter()
                counts["monitord"] = len(await walk(session, oid, REPETITIONS))
                return time.perf_counter() - began

            async def theirs(oid: str = oid, counts: dict[str, int] = counts) -> float:
                seconds, counts["net-snmp"] = peer.walk(oid, REPETITIONS)
                return seconds

            samples = await ainterleave({"monitord": ours, "net-snmp": theirs}, rounds, warmup=2)
            if counts["monitord"] != counts["net-snmp"]:
                raise SystemExit(
                    f"{name}: monitord walked {counts['monitord']} objects, net-snmp {counts['net-snmp']}"
                )
            figure = Figure(
                "snmp_bulkwalk",
                f"SNMP bulk walk {name} ({counts['monitord']} objects)",
                "ms",
                "lower",
                [s * 1000 for s in samples["monitord"]],
                "libnetsnmp in process",
                [s * 1000 for s in samples["net-snmp"]],
                goal="<= 2x net-snmp",
            )
            figure.met = (figure.ratio or 99) <= 2.0
            figures.append(figure)
        profile = []
        rows = 0
        for _ in range(rounds):
            began = time.perf_counter()
            rows = len(await read_interfaces(session, REPETITIONS))
            profile.append((time.perf_counter() - began) * 1000)
        figures.append(
            Figure(
                "snmp_bulkwalk",
                f"SNMP interfaces profile read ({rows} interfaces, 20 columns)",
                "ms",
                "lower",
                profile,
                note="no peer reads the same columns",
            )
        )
    finally:
        peer.close()
        transport.close()
    return figures


def main() -> int:
    options = parser(__doc__).parse_args(arguments())
    rounds = 10 if options.quick else 30
    with tempfile.TemporaryDirectory(prefix="snmp-bench-") as root:
        server = start_snmpd(Path(root))
        try:
            figures = asyncio.run(compare(server.port, server.env, rounds))
        finally:
            server.stop()
    report(f"SNMP bulk walk, 48 ports + lo, max-repetitions {REPETITIONS}", figures, rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main() if inside() else run_in_netns("benchmarks.snmp_bulkwalk", interfaces=48))
