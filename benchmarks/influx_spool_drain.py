"""InfluxDB sink: spool drain rate after an outage at 5,000 points/s, with live data beside it.

The outage is replayed, not waited out: with VictoriaMetrics down, the results of the
outage (60 s x 5,000/s = 300,000 in the full run) go through ``InfluxSink.write`` in
500-result batches (what the daemon hands over every 100 ms at that rate) and land,
encoded, in the fsynced spool. Then the server starts, and the drain is timed while live
batches of 500 keep arriving every 100 ms; their write latency shows whether the
backlog starves them.

The peer is the ceiling a drain can approach: the same points, already encoded exactly as
the spool holds them (encoding is paid before the timer on both sides: the earlier
version let the peer encode inside its timing, which is why its ratio came out above 1),
delivered from memory through the same deliverer one request of 5,000 at a time as the
drainer sends them, with no spool reads or acknowledgements and no live traffic.
Spool-and-drain rounds and ceiling rounds are interleaved.

    .venv/bin/python -m benchmarks.influx_spool_drain [--quick]
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
from pathlib import Path

from prometheus_client import CollectorRegistry

from benchmarks.harness import Figure, ainterleave, parser, report
from benchmarks.influx_write import make_results
from benchmarks.stats import percentile
from monitord.config.influx import InfluxConfig
from monitord.sinks.influx.lineproto import LineEncoder
from monitord.sinks.influx.sink import InfluxSink
from tests.servers.victoria import VictoriaServer

TICK = 500
BATCH = 5000


async def run(points: int, rounds: int) -> None:
    logging.basicConfig(level=logging.ERROR)
    root = Path(tempfile.mkdtemp(prefix="bench-spool-"))
    server = VictoriaServer(root)
    config = InfluxConfig.model_validate(
        {"url": server.url, "retry_initial": 0.1, "retry_max": 0.5, "batch_size": BATCH}
    )
    results = make_results(points)
    live = make_results(points // 4)
    chunks = LineEncoder(config.api, config.precision).encode(results, BATCH)
    latencies: list[float] = []
    spool_rates: list[float] = []
    number = [0]

    async def drain() -> float:
        number[0] += 1
        if server.process is not None:
            await asyncio.to_thread(server.stop)
        sink = InfluxSink(config, root / f"state{number[0]}", CollectorRegistry())
        await sink.start()
        try:
            began = time.perf_counter()
            for start in range(0, points, TICK):
                await sink.write(results[start : start + TICK])
            spool_rates.append(points / (time.perf_counter() - began))
            if sink.spool.points != points:
                raise SystemExit(f"only {sink.spool.points} of {points} points spooled")
            await asyncio.to_thread(server.start)
            began = time.perf_counter()
            offset = 0
            while sink.spool.points and time.perf_counter() - began < 300:
                tick = time.perf_counter()
                await sink.write(live[offset % len(live) : offset % len(live) + TICK])
                latencies.append(time.perf_counter() - tick)
                offset += TICK
                await asyncio.sleep(max(0.0, 0.1 - (time.perf_counter() - tick)))
            seconds = time.perf_counter() - began
            if sink.spool.points:
                raise SystemExit("the spool did not drain within 300 s")
        finally:
            await sink.stop()
        return points / seconds

    async def ceiling() -> float:
        if server.process is None:
            await asyncio.to_thread(server.start)
        direct = InfluxSink(config, root / "direct", CollectorRegistry())
        await direct.start()
        try:
            began = time.perf_counter()
            for chunk in chunks:
                await direct.deliverer.deliver(chunk.body, chunk.points)
            return points / (time.perf_counter() - began)
        finally:
            await direct.stop()

    try:
        samples = await ainterleave({"drain": drain, "ceiling": ceiling}, rounds, warmup=0)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    figure = Figure(
        "influx_spool_drain",
        f"Influx spool drain after an outage ({points:,} points)",
        "points/s",
        "higher",
        samples["drain"],
        "same bytes from memory",
        samples["ceiling"],
        note=f"live write() beside the drain: p50 {p50:.1f} ms, p99 {p99:.1f} ms",
    )
    spool = Figure(
        "influx_spool_drain", "Influx outage spooling with fsync", "points/s", "higher", spool_rates
    )
    report("InfluxDB spool drain vs delivering the same encoded bytes from memory", [figure, spool], rounds)


if __name__ == "__main__":
    quick = parser(__doc__).parse_args().quick
    asyncio.run(run(100_000 if quick else 300_000, 3 if quick else 5))
