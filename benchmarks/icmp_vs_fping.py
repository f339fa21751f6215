"""ICMP engine vs fping, in the same run, against the same loopback addresses.

Runs inside a private network namespace (tests.lab) so silent hosts can be made
with nftables and nothing leaves the machine. Needs root (raw sockets, netns).

    .venv/bin/python -m benchmarks.icmp_vs_fping [--quick]

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
engine but not the Python interpreter start. Medians of interleaved rounds
(5 quick, 11 full); the sustained run is 15 s quick, 60 s full, in three windows.
"""

from __future__ import annotations

import asyncio
import gc
import os
import resource
import subprocess
import sys
import tempfile
import time

from prometheus_client import CollectorRegistry

from benchmarks.harness import Figure, ainterleave, parser, report
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


async def compare(
    lab: Lab,
    label: str,
    targets: list[str],
    timeout: float,
    repeat: int,
    goal: str = "",
    limit: float | None = None,
) -> list[Figure]:
    runs: dict[str, list[tuple[float, float, int]]] = {"monitord": [], "fping": []}

    async def ours() -> float:
        runs["monitord"].append(await run_engine(lab, targets, timeout))
        return runs["monitord"][-1][0]

    async def theirs() -> float:
        runs["fping"].append(run_fping(lab, targets, int(timeout * 1000)))
        return runs["fping"][-1][0]

    await ainterleave({"monitord": ours, "fping": theirs}, repeat)
    runs = {name: values[1:] for name, values in runs.items()}  # drop the warm-up
    alive = f"alive: monitord {runs['monitord'][-1][2]}, fping {runs['fping'][-1][2]}"
    wall = Figure(
        "icmp_vs_fping",
        f"ICMP sweep {len(targets):,} addresses, {label}, wall",
        "ms",
        "lower",
        [r[0] * 1000 for r in runs["monitord"]],
        "fping -i0 -r0",
        [r[0] * 1000 for r in runs["fping"]],
        goal=goal or "<= 2x fping",
        note=alive + "; fping's time includes its process start",
    )
    wall.met = wall.ours_median <= limit * 1000 if limit else (wall.ratio or 99) <= 2
    cpu = Figure(
        "icmp_vs_fping",
        f"ICMP sweep {len(targets):,} addresses, {label}, CPU",
        "us/echo",
        "lower",
        [r[1] / len(targets) * 1e6 for r in runs["monitord"]],
        "fping -i0 -r0",
        [r[1] / len(targets) * 1e6 for r in runs["fping"]],
        goal="" if limit else "<= 15 us",
    )
    if not limit:
        cpu.met = cpu.ours_median <= 15
    return [wall] if limit else [wall, cpu]


async def sustain(lab: Lab, targets: int, seconds: float) -> Figure:
    """The probe kind under the real scheduler: targets x 5 echoes every 10 s."""
    settings = IcmpSettings(interval=10.0, timeout=5.0, count=5, echo_interval=0.2, echo_timeout=1.0)
    resolved = [
        ResolvedTarget(
            target=ProbeTarget(name=f"t{i}", address=address, site="bench"), probes={"icmp": settings}
        )
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
        windows: list[float] = []
        began = time.perf_counter()
        for _ in range(3):  # three windows, so the figure has a spread
            cpu_before, wall_before = time.process_time(), time.perf_counter()
            await asyncio.sleep(seconds / 3)
            windows.append(100 * (time.process_time() - cpu_before) / (time.perf_counter() - wall_before))
        wall = time.perf_counter() - began
        scheduler.stop()
        await task
    finally:
        await kind.close()
    sent = sum(int(r.fields.get("sent", 0)) for r in results)
    received = sum(int(r.fields.get("received", 0)) for r in results)
    failed = sum(1 for r in results if not r.ok)
    figure = Figure(
        "icmp_vs_fping",
        f"ICMP {targets:,} targets x 5 echoes / 10 s through the scheduler, CPU",
        "% of a core",
        "lower",
        windows,
        goal="< 20 %, no false loss",
        note=f"{len(results)} runs ({failed} failed), {sent} echoes ({sent / wall:.0f}/s), "
        f"false loss {sent - received} echoes, {wall:.0f} s in 3 windows",
    )
    figure.met = figure.ours_median < 20 and sent == received
    return figure


async def main() -> None:
    made = parser(__doc__)
    made.add_argument(
        "--python-default-gc",
        action="store_true",
        help="keep Python's GC thresholds instead of the daemon's tuning",
    )
    args = made.parse_args()
    repeat, sustain_seconds = (5, 15.0) if args.quick else (11, 60.0)
    if not args.python_default_gc:
        tune_garbage_collector()
    if os.geteuid() != 0:
        sys.exit("needs root: raw sockets and a network namespace")
    lab = Lab()
    try:
        sweep = addresses(5000, 1)
        figures = await compare(lab, "all alive", sweep, timeout=1.0, repeat=repeat)
        lab.silence(*sweep[::5])
        figures += await compare(
            lab, "20 % silent, 1 s timeout", sweep, timeout=1.0, repeat=repeat, goal="<= 1,150 ms", limit=1.15
        )
        lab.restore()
        figures.append(await sustain(lab, 10_000, sustain_seconds))
    finally:
        lab.close()
    report(f"ICMP engine vs fping in a lab namespace (gc thresholds {gc.get_threshold()})", figures, repeat)


if __name__ == "__main__":
    asyncio.run(main())
