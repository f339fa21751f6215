"""InfluxDB sink: spool drain rate after a 60 s outage at 5,000 points/s, with live data beside it.

The outage is replayed, not waited out: with VictoriaMetrics down, 300,000 results
(60 s x 5,000/s) go through ``InfluxSink.write`` in 500-result batches (what the
daemon hands over every 100 ms at that rate) and land in the fsynced spool. Then the
server starts, and the drain is timed while live batches of 500 keep arriving every
100 ms; their write latency shows whether the backlog starves them. Peer in the same
run: the same 300,000 points sent straight from memory (no spool) through the same
sink, the ceiling a drain can approach.

    .venv/bin/python -m benchmarks.influx_spool_drain [--points 300000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import tempfile
import time
from pathlib import Path

from prometheus_client import CollectorRegistry

from benchmarks.influx_write import make_results
from benchmarks.stats import percentile
from monitord.config.influx import InfluxConfig
from monitord.sinks.influx.sink import InfluxSink
from tests.servers.victoria import VictoriaServer

TICK = 500


async def run(points: int) -> None:
    logging.basicConfig(level=logging.ERROR)
    root = Path(tempfile.mkdtemp(prefix="bench-spool-"))
    server = VictoriaServer(root)
    config = InfluxConfig.model_validate({"url": server.url, "retry_initial": 0.1, "retry_max": 0.5})
    sink = InfluxSink(config, root / "state", CollectorRegistry())
    await sink.start()
    results = make_results(points)
    try:
        began = time.perf_counter()
        for start in range(0, points, TICK):
            await sink.write(results[start:start + TICK])
        spool_seconds = time.perf_counter() - began
        spooled, spool_bytes = sink.spool.points, sink.spool.size_bytes
        assert spooled == points, f"only {spooled} of {points} points spooled"

        await asyncio.to_thread(server.start)
        live = make_results(points // 4)
        latencies: list[float] = []
        began = time.perf_counter()
        offset = 0
        while sink.spool.points and time.perf_counter() - began < 300:
            tick = time.perf_counter()
            await sink.write(live[offset % len(live):offset % len(live) + TICK])
            latencies.append(time.perf_counter() - tick)
            offset += TICK
            await asyncio.sleep(max(0.0, 0.1 - (time.perf_counter() - tick)))
        drain_seconds = time.perf_counter() - began
        assert not sink.spool.points, "the spool did not drain"

        direct = InfluxSink(config, root / "direct", CollectorRegistry())
        await direct.start()
        began = time.perf_counter()
        for start in range(0, points, 5000):
            await direct.write(results[start:start + 5000])
        direct_seconds = time.perf_counter() - began
        await direct.stop()
    finally:
        await sink.stop()
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(f"outage replay: {points:,} points ({spool_bytes / 1e6:.1f} MB) spooled with fsync in "
          f"{spool_seconds:.1f} s ({points / spool_seconds:,.0f} points/s into the spool)")
    print(f"drain after recovery: {points / drain_seconds:,.0f} points/s ({drain_seconds:.1f} s), while "
          f"{len(latencies) * TICK:,} live points went out beside it: live write() p50 "
          f"{percentile(latencies, 50) * 1000:.1f} ms, p99 {percentile(latencies, 99) * 1000:.1f} ms")
    print(f"peer, same points straight from memory: {points / direct_seconds:,.0f} points/s; "
          f"drain/peer ratio {(points / drain_seconds) / (points / direct_seconds):.2f} "
          "(machine shared, noisy)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=300_000)
    asyncio.run(run(parser.parse_args().points))
