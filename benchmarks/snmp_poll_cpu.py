"""CPU cost of polling 1,000 devices' interface profile every 60 s.

One snmpd (48 ports + lo, in a private namespace) stands in for 1,000 devices:
1,000 targets with their own names, so each has its own counter state, polled
through ``SnmpProbe.probe`` exactly as the scheduler calls it (200 at a time,
the kind's default concurrency). Two full cycles run, the second one computing
rates against the first. The figure is monitord's process CPU time for one
cycle (snmpd's CPU is not counted: it is the devices' work), as a share of one
core over the 60 s interval. Target: under 25 %.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from snmp_netns import inside, run_in_netns, start_snmpd

DEVICES = 1000
INTERVAL_S = 60.0
CONCURRENCY = 200
TARGET_PCT = 25.0


async def cycles(port: int) -> list[tuple[float, float, int, int]]:
    from prometheus_client import CollectorRegistry

    from probes.base import ProbeContext, ProbeTarget
    from probes.snmp import SnmpProbe, SnmpSettings

    kind = SnmpProbe()
    await kind.open(ProbeContext(state_dir=Path("/tmp"), registry=CollectorRegistry()))
    settings = SnmpSettings(port=port, profiles=["system", "interfaces"], request_timeout=2.0, retries=2,
                            timeout=20.0)
    targets = [ProbeTarget(name=f"switch-{n:04d}", address="127.0.0.1", site=f"store-{n % 100:04d}")
               for n in range(DEVICES)]
    gate = asyncio.Semaphore(CONCURRENCY)
    measured = []

    async def one(target: ProbeTarget) -> tuple[bool, int]:
        async with gate, asyncio.timeout(settings.timeout):
            results = await kind.probe(target, settings)
        return results[0].ok, sum(1 for r in results if "in_bps" in r.fields)

    for _ in range(2):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        outcomes = await asyncio.gather(*(one(t) for t in targets))
        measured.append((time.process_time() - cpu0, time.perf_counter() - wall0,
                         sum(ok for ok, _ in outcomes), sum(rated for _, rated in outcomes)))
        await asyncio.sleep(1.0)
    await kind.close()
    return measured


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="snmp-bench-") as root:
        server = start_snmpd(Path(root))
        try:
            measured = asyncio.run(cycles(server.port))  # type: ignore[attr-defined]
        finally:
            server.stop()  # type: ignore[attr-defined]
    print(f"Polling {DEVICES} devices (interfaces profile, 49 interfaces each) per {INTERVAL_S:g} s "
          "interval (shared 2-core machine)")
    for number, (cpu, wall, ok, rated) in enumerate(measured, 1):
        share = cpu / INTERVAL_S * 100
        print(f"  cycle {number}: {ok}/{DEVICES} devices answered, {rated} interfaces with rates, "
              f"wall {wall:.1f} s, CPU {cpu:.2f} s = {share:.1f} % of one core per {INTERVAL_S:g} s")
    worst = max(cpu for cpu, _, _, _ in measured) / INTERVAL_S * 100
    print(f"  target < {TARGET_PCT:g} % of one core: {'PASS' if worst < TARGET_PCT else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main() if inside() else run_in_netns(__file__, interfaces=48))
