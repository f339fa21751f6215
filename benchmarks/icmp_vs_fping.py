"""ICMP engine vs fping, in the same run, against the same loopback addresses.

Runs inside a private network namespace (tests.lab) so silent hosts can be made
with nftables and nothing leaves the machine. Needs root (raw sockets, netns).

    .venv/bin/python benchmarks/icmp_vs_fping.py [--targets 5000] [--sustain 60] [--repeat 3]

Figures (issue 3 goals):
1. sweep of N addresses, one echo each: wall time vs ``fping -i0 -r0`` (goal <= 2x),
   CPU microseconds per echo (goal <= 15 us);
2. the same with 20 % silent and a 1 s timeout (goal <= 1.15 s);
3. 10,000 targets x 5 echoes every 10 s through the real scheduler and probe
   kind (5,000 echoes/s) for ``--sustain`` seconds: CPU share of one core
   (goal < 20 %), CPU per echo including scheduler and result building, false loss (goal 0).
   The process tunes its garbage collector as ``monitord run`` does
   (``tune_garbage_collector``); ``--python-default-gc`` measures without that.

fping's time includes its process start (a few ms); ours includes opening the
engine but not the Python interpreter start. Medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from prometheus_client import CollectorRegistry

from monitord.config.resolve import ResolvedTarget
from monitord.daemon import tune_garbage_collector
from monitord.icmp.engine import IcmpEngine
from monitord.results import ProbeResult
from monitord.scheduler import Scheduler
from probes.base import ProbeTarget
from probes.icmp import IcmpProbe, IcmpSettings
from tests.lab.netns import Lab


def addresses(count: int, second_octet: int) -> list[str]:
    return [f"127.{second_octet}.{i // 250}.{i % 250 + 1}" for i in range(count)]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_fping(lab: Lab, targets: list[str], timeout_ms: int) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds, alive count of one ``fping -i0 -r0`` sweep."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(targets) + "\n")
        path = handle.name
    try:
        argv = lab.command(["fping", "-i0", "-r0", f"-t{timeout_ms}", "-a", "-f", path])
        cpu_before = children_cpu()
        began = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        wall = time.perf_counter() - began
        cpu = children_cpu() - cpu_before
    finally:
        os.unlink(path)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"fping failed: {done.stderr.strip()}")
    return wall, cpu, len(done.stdout.split())


async def run_engine(lab: Lab, targets: list[str], timeout: float) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds, alive count of one engine sweep (engine open included)."""
    cpu_before = time.process_time()
    began = time.perf_counter()
    with lab.icmp_sockets():
        async with IcmpEngine.open() as engine:
            stats = await engine.ping_many(targets, count=1, timeout=timeout)
    wall = time.perf_counter() - began
    return wall, time.process_time() - cpu_before, sum(1 for s in stats if s.alive)


async def compare(lab: Lab, label: str, targets: list[str], timeout: float, repeat: int) -> None:
    fping_runs, ours_runs = [], []
    for _ in range(repeat):
        fping_runs.append(run_fping(lab, targets, int(timeout * 1000)))
        ours_runs.append(await run_engine(lab, targets, timeout))
    fw = statistics.median(r[0] for r in fping_runs)
    ow = statistics.median(r[0] for r in ours_runs)
    fc = statistics.median(r[1] for r in fping_runs) / len(targets) * 1e6
    oc = statistics.median(r[1] for r in ours_runs) / len(targets) * 1e6
    print(f"{label}: {len(targets)} targets, median of {repeat}")
    print(f"  fping -i0 -r0 : wall {fw:.3f} s  cpu {fc:6.2f} us/echo  alive {fping_runs[-1][2]}")
    print(f"  monitord      : wall {ow:.3f} s  cpu {oc:6.2f} us/echo  alive {ours_runs[-1][2]}")
    print(f"  ratio monitord/fping: wall {ow / fw:.2f}x  cpu {oc / fc:.2f}x")


async def sustain(lab: Lab, targets: int, seconds: float) -> None:
    """The probe kind under the real scheduler: targets x 5 echoes every 10 s."""
    settings = IcmpSettings(interval=10.0, timeout=5.0, count=5, echo_interval=0.2, echo_timeout=1.0)
    resolved = [
        ResolvedTarget(target=ProbeTarget(name=f"t{i}", address=address, site="bench"),
                       probes={"icmp": settings})
        for i, address in enumerate(addresses(targets, 2))
    ]
    results: list[ProbeResult] = []
    with lab.icmp_sockets():
        kind = IcmpProbe()
        await kind.open()
    try:
        scheduler = Scheduler({"icmp": kind}, results.extend, CollectorRegistry())  # type: ignore[dict-item]
        scheduler.apply(resolved)
        task = asyncio.create_task(scheduler.run())
        cpu_before = time.process_time()
        began = time.perf_counter()
        await asyncio.sleep(seconds)
        wall = time.perf_counter() - began
        cpu = time.process_time() - cpu_before
        scheduler.stop()
        await task
    finally:
        await kind.close()
    sent = sum(int(r.fields.get("sent", 0)) for r in results)
    received = sum(int(r.fields.get("received", 0)) for r in results)
    failed = sum(1 for r in results if not r.ok)
    print(f"sustained: {targets} targets x 5 echoes every 10 s for {wall:.0f} s through the scheduler")
    print(f"  runs {len(results)} (failed {failed})  echoes {sent} ({sent / wall:.0f}/s)  "
          f"false loss {sent - received} echoes")
    print(f"  cpu {100 * cpu / wall:.1f} % of one core  {cpu / max(sent, 1) * 1e6:.2f} us/echo "
          "(probe, scheduler, results)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sustain", type=float, default=60.0, help="seconds (0 skips)")
    parser.add_argument("--sustain-targets", type=int, default=10000)
    parser.add_argument("--python-default-gc", action="store_true",
                        help="keep Python's GC thresholds instead of the daemon's tuning")
    args = parser.parse_args()
    if not args.python_default_gc:
        tune_garbage_collector()
    print(f"gc thresholds {gc.get_threshold()}; machine shared with other jobs, figures are noisy")
    if os.geteuid() != 0:
        sys.exit("needs root: raw sockets and a network namespace")
    lab = Lab()
    try:
        sweep = addresses(args.targets, 1)
        await compare(lab, "all alive", sweep, timeout=1.0, repeat=args.repeat)
        lab.silence(*sweep[::5])
        await compare(lab, "20 % silent, 1 s timeout", sweep, timeout=1.0, repeat=args.repeat)
        lab.restore()
        if args.sustain > 0:
            await sustain(lab, args.sustain_targets, args.sustain)
    finally:
        lab.close()


if __name__ == "__main__":
    asyncio.run(main())
