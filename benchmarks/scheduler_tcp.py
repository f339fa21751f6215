"""The whole daemon scheduling 10,000 (target, tcp) pairs against loopback listeners.

10,000 targets at a 10 s interval is 1,000 TCP connects per second. The listeners
run in a child process (so their CPU is not counted); the daemon runs in this
process with the embedded store writing every result. Measured over ``--seconds``
after one warm-up interval: start lag (actual minus planned start) p50/p99/max,
CPU % of one core, RSS. Goals: p99 lag < 50 ms, CPU < 25 %, RSS < 250 MB.

    .venv/bin/python -m benchmarks.scheduler_tcp [--targets 10000] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.stats import CpuClock, percentile, rss_mb
from monitord.config.loader import build_config
from monitord.daemon import Daemon, tune_garbage_collector

LISTENER = r"""
import asyncio, json, sys
async def main(count):
    async def handle(reader, writer):
        writer.close()
    servers = [await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096) for _ in range(count)]
    print(json.dumps([s.sockets[0].getsockname()[1] for s in servers]), flush=True)
    await asyncio.Event().wait()
asyncio.run(main(int(sys.argv[1])))
"""


def document(state_dir: Path, ports: list[int], targets: int, interval: float) -> dict[str, Any]:
    return {
        "daemon": {"state_dir": str(state_dir), "log_level": "warning"},
        "http": {"listen": "127.0.0.1:0"},
        "probes": {"tcp": {"interval": interval, "timeout": 2.0}},
        "targets": [
            {"name": f"store-{i:05d}-pos", "address": "127.0.0.1", "site": f"store-{i // 5:04d}",
             "probes": {"tcp": {"port": ports[i % len(ports)]}}}
            for i in range(targets)
        ],
    }


async def measure(doc: dict[str, Any], seconds: float, warmup: float) -> dict[str, float]:
    daemon = Daemon(build_config(doc))
    task = asyncio.create_task(daemon.run())
    await asyncio.wait_for(daemon.started.wait(), 120)
    await asyncio.sleep(warmup)
    daemon.scheduler.recent_lags.clear()
    failures_before = daemon.registry.get_sample_value(
        "monitord_probe_runs_total", {"kind": "tcp", "outcome": "failed"}) or 0
    clock = CpuClock()
    clock.start()
    await asyncio.sleep(seconds)
    wall, cpu = clock.stop()
    lags = [x * 1000 for x in daemon.scheduler.recent_lags]
    failures = (daemon.registry.get_sample_value(
        "monitord_probe_runs_total", {"kind": "tcp", "outcome": "failed"}) or 0) - failures_before
    rss = rss_mb()
    daemon.request_stop()
    await task
    return {
        "runs": len(lags), "p50": percentile(lags, 50), "p99": percentile(lags, 99),
        "max": max(lags) if lags else float("nan"), "cpu_pct": 100 * cpu / wall, "rss_mb": rss,
        "sys_pct": 100 * clock.system / wall,
        "failures": failures, "rate": len(lags) / wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--ports", type=int, default=32)
    args = parser.parse_args()
    listener = subprocess.Popen([sys.executable, "-c", LISTENER, str(args.ports)],
                                stdout=subprocess.PIPE, text=True)
    try:
        assert listener.stdout is not None
        ports = json.loads(listener.stdout.readline())
        tune_garbage_collector()  # as `monitord run` does
        with tempfile.TemporaryDirectory() as tmp:
            began = time.perf_counter()
            stats = asyncio.run(measure(document(Path(tmp), ports, args.targets, args.interval),
                                        args.seconds, warmup=args.interval))
            total = time.perf_counter() - began
    finally:
        listener.terminate()
        listener.wait(10)
    print(f"scheduler: {args.targets:,} tcp targets every {args.interval:g}s, measured "
          f"{args.seconds:g}s after a {args.interval:g}s warm-up (run took {total:.0f}s)")
    print(f"  probe runs: {stats['runs']:,.0f} ({stats['rate']:,.0f}/s), failed: {stats['failures']:,.0f}")
    print(f"  start lag: p50 {stats['p50']:.2f} ms, p99 {stats['p99']:.2f} ms, max {stats['max']:.2f} ms"
          f" (goal p99 < 50 ms: {'met' if stats['p99'] < 50 else 'NOT met'})")
    print(f"  CPU: {stats['cpu_pct']:.1f} % of one core, of which kernel {stats['sys_pct']:.1f} % "
          f"(TCP handshakes and teardowns on loopback) (goal < 25 %: "
          f"{'met' if stats['cpu_pct'] < 25 else 'NOT met'}), "
          f"RSS {stats['rss_mb']:.0f} MB (goal < 250 MB: {'met' if stats['rss_mb'] < 250 else 'NOT met'})")


if __name__ == "__main__":
    main()
