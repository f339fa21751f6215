"""CPU cost of polling 1,000 devices' interface profile every 60 s.

One snmpd (48 ports + lo, in a private namespace) stands in for the devices:
targets with their own names, so each has its own counter state, polled
through ``SnmpProbe.probe`` exactly as the scheduler calls it (200 at a time,
the kind's default concurrency). One warm-up cycle, then measured cycles that
compute rates against the previous one. The figure is monitord's process CPU
time per cycle scaled to 1,000 devices (snmpd's CPU is not counted: it is the
devices' work), as a share of one core over the 60 s interval. No peer polls the
same profile; the goal is under 25 %.

    .venv/bin/python -m benchmarks.snmp_poll_cpu [--quick]   (root: network namespace)
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Figure, parser, report
from benchmarks.snmp_netns import arguments, inside, run_in_netns, start_snmpd

SCALE_TO = 1000
INTERVAL_S = 60.0
CONCURRENCY = 200
TARGET_PCT = 25.0


async def cycles(port: int, devices: int, count: int) -> tuple[list[float], int, int]:
    from prometheus_client import CollectorRegistry

    from probes.base import ProbeContext, ProbeTarget
    from probes.snmp import SnmpProbe, SnmpSettings

    kind = SnmpProbe()
    with tempfile.TemporaryDirectory() as state:
        await kind.open(ProbeContext(state_dir=Path(state), registry=CollectorRegistry()))
        settings = SnmpSettings(
            port=port, profiles=["system", "interfaces"], request_timeout=2.0, retries=2, timeout=20.0
        )
        targets = [
            ProbeTarget(name=f"switch-{n:04d}", address="127.0.0.1", site=f"store-{n % 100:04d}")
            for n in range(devices)
        ]
        gate = asyncio.Semaphore(CONCURRENCY)
        shares = []
        ok = rated = 0

        async def one(target: ProbeTarget) -> tuple[bool, int]:
            async with gate, asyncio.timeout(settings.timeout):
                results = await kind.probe(target, settings)
            return results[0].ok, sum(1 for r in results if "in_bps" in r.fields)

        for number in range(count + 1):
            cpu0 = time.process_time()
            outcomes = await asyncio.gather(*(one(t) for t in targets))
            cpu = time.process_time() - cpu0
            if number:  # the first cycle only sets the counters' baseline
                shares.append(cpu * SCALE_TO / devices / INTERVAL_S * 100)
                ok, rated = sum(o for o, _ in outcomes), sum(r for _, r in outcomes)
            await asyncio.sleep(1.0)
        await kind.close()
    return shares, ok, rated


def main() -> int:
    options = parser(__doc__).parse_args(arguments())
    devices, count = (250, 2) if options.quick else (SCALE_TO, 4)
    with tempfile.TemporaryDirectory(prefix="snmp-bench-") as root:
        server = start_snmpd(Path(root))
        try:
            shares, ok, rated = asyncio.run(cycles(server.port, devices, count))
        finally:
            server.stop()
    figure = Figure(
        "snmp_poll_cpu",
        "SNMP polling 1,000 devices x 49 interfaces every 60 s",
        "% of a core",
        "lower",
        shares,
        goal=f"< {TARGET_PCT:g} %",
        note=f"{devices} devices polled, scaled to {SCALE_TO}; "
        f"last cycle {ok}/{devices} answered, "
        f"{rated} interfaces with rates; no peer polls the same profile",
    )
    figure.met = figure.ours_median < TARGET_PCT and ok == devices
    report("SNMP interface polling CPU", [figure], count)
    return 0


if __name__ == "__main__":
    sys.exit(main() if inside() else run_in_netns("benchmarks.snmp_poll_cpu", interfaces=48))
