"""InfluxDB sink: sustained line-protocol writes to a real VictoriaMetrics, and client CPU per point.

monitord's path: ``InfluxSink.write`` (hand-written line protocol, influxdb-client's
async write service carrying the bytes) fed 20,000 results per call as the daemon's
consumer does it, sent as requests of 5,000 points. Peer in the same run: influxdb-client's own
``Point`` path (``WriteApiAsync.write(record=[Point...])``) on the same results.
Goal: >= 300,000 points/s at <= 3 us client CPU per point.

    .venv/bin/python -m benchmarks.influx_write [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path

from prometheus_client import CollectorRegistry

from monitord.config.influx import InfluxConfig
from monitord.results import ProbeResult
from monitord.sinks.influx.sink import InfluxSink
from tests.servers.victoria import VictoriaServer

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
BATCH = 5_000
WRITE = 20_000  # what the daemon hands a sink at once (storage.embedded.batch_size)
POOL = 100_000


def make_results(count: int) -> list[ProbeResult]:
    now = time.time_ns()
    return [
        ProbeResult(
            measurement="icmp", target=f"store-{index % 2000:04d}-router", kind="icmp",
            time_ns=now - (count - index) * 1000, ok=True,
            fields={"up": 1, "loss_pct": 0.0, "rtt_avg_ms": 0.2 + index % 7, "rtt_max_ms": 0.4},
            tags={"site": f"store-{index % 2000:04d}"},
        )
        for index in range(count)
    ]


def server_cpu(pid: int) -> float:
    """CPU seconds the server process has used (utime + stime from /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


async def monitord_rate(url: str, state: Path, pool: list[ProbeResult], seconds: float,
                        gzip: bool) -> tuple[float, float]:
    config = InfluxConfig.model_validate({"url": url, "gzip": gzip, "batch_size": BATCH})
    sink = InfluxSink(config, state, CollectorRegistry())
    await sink.start()
    written = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while time.perf_counter() - wall0 < seconds:
        start = written % POOL
        await sink.write(pool[start:start + WRITE])
        written += WRITE
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    await sink.stop()
    assert sink.spool.points == 0, "the server refused writes during the benchmark"
    return written / wall, cpu / written * 1e6


async def point_rate(url: str, pool: list[ProbeResult], seconds: float) -> tuple[float, float]:
    from influxdb_client.client.influxdb_client_async import InfluxDBClientAsync
    from influxdb_client.client.write.point import Point

    async with InfluxDBClientAsync(url=url, token="", org="") as client:
        api = client.write_api()
        written = 0
        cpu0, wall0 = time.process_time(), time.perf_counter()
        while time.perf_counter() - wall0 < seconds:
            start = written % POOL
            points = []
            for result in pool[start:start + BATCH]:
                point = Point(result.measurement).tag("target", result.target)  # type: ignore[no-untyped-call]
                for key, value in result.tags.items():
                    point = point.tag(key, value)
                for key, field in result.fields.items():
                    point = point.field(key, field)
                points.append(point.time(result.time_ns))
            await api.write(bucket="monitord", org="", record=points)
            written += BATCH
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return written / wall, cpu / written * 1e6


async def main(seconds: float) -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-influx-"))
    server = VictoriaServer(root)
    server.start()
    try:
        pool = make_results(POOL)
        assert server.process is not None
        server_before = server_cpu(server.process.pid)
        plain = await monitord_rate(server.url, root / "s1", pool, seconds, gzip=False)
        server_seconds = server_cpu(server.process.pid) - server_before
        gzipped = await monitord_rate(server.url, root / "s2", pool, seconds, gzip=True)
        peer = await point_rate(server.url, pool, seconds)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(f"VictoriaMetrics /api/v2/write, requests of {BATCH} points (monitord: {WRITE} per write(), "
          f"up to 4 requests in flight), 4 fields + 2 tags per point, {seconds:g} s each")
    print(f"{'path':44} {'points/s':>12} {'client CPU us/point':>20}")
    print(f"{'monitord InfluxSink (gzip off)':44} {plain[0]:12,.0f} {plain[1]:20.2f}")
    print(f"{'monitord InfluxSink (gzip level 1)':44} {gzipped[0]:12,.0f} {gzipped[1]:20.2f}")
    print(f"{'influxdb-client Point objects (peer)':44} {peer[0]:12,.0f} {peer[1]:20.2f}")
    print(f"ratio monitord/peer: {plain[0] / peer[0]:.1f}x points/s, "
          f"{peer[1] / plain[1]:.1f}x less CPU per point")
    server_us = server_seconds / (plain[0] * seconds) * 1e6
    print(f"VictoriaMetrics' own CPU in the gzip-off run: {server_us:.2f} us/point (same 2 cores)")
    print(f"client CPU ceiling (1 core, server elsewhere): {1e6 / plain[1]:,.0f} points/s")
    print("goal: >= 300,000 points/s at <= 3 us client CPU per point "
          f"-> {'met' if plain[0] >= 300_000 and plain[1] <= 3 else 'NOT met'} (machine shared, noisy)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    asyncio.run(main(parser.parse_args().seconds))
