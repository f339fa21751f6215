"""InfluxDB sink, in two separate comparisons: encoding alone, and delivery at equal concurrency.

1. Encoding: the same 20,000 results turned into line-protocol bytes on one thread, no
   network. monitord's ``LineEncoder`` against influxdb-client's two serialisers of
   structured records: ``Point`` objects (``Point(...).tag().field().time()`` then
   ``to_line_protocol``) and dictionaries (``Point.from_dict``, which its write API uses for
   dict records). The bytes out are printed so the outputs can be seen to be alike.
2. Delivery: the same results, encoded and sent to a real VictoriaMetrics, both sides with
   requests of 5,000 points and 4 requests in flight: monitord's ``InfluxSink.write`` of
   20,000 results (it cuts them into 4 requests of 5,000 sent side by side) against
   influxdb-client's ``WriteApiAsync.write`` called 4 times at once with 5,000 ``Point``
   records each. Client CPU per point is measured for both.

Rounds are interleaved with the order rotating. Goal (monitord): >= 300,000 points/s at
<= 3 us client CPU per point; on a 2-core machine the server shares the cores.

    .venv/bin/python -m benchmarks.influx_write [--quick]
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from benchmarks.harness import Figure, ainterleave, interleave, parser, report
from monitord.config.influx import InfluxConfig
from monitord.results import ProbeResult
from monitord.sinks.influx.lineproto import LineEncoder
from monitord.sinks.influx.sink import MAX_IN_FLIGHT, InfluxSink
from tests.servers.victoria import VictoriaServer

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
BATCH = 5_000
WRITE = BATCH * MAX_IN_FLIGHT  # 20,000: what the daemon hands a sink at once


def make_results(count: int) -> list[ProbeResult]:
    now = time.time_ns()
    return [
        ProbeResult(
            measurement="icmp",
            target=f"store-{index % 2000:04d}-router",
            kind="icmp",
            time_ns=now - (count - index) * 1000,
            ok=True,
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


def to_points(results: list[ProbeResult]) -> list[Any]:
    from influxdb_client.client.write.point import Point

    points = []
    for result in results:
        point = Point(result.measurement).tag("target", result.target)  # type: ignore[no-untyped-call]
        for key, value in result.tags.items():
            point = point.tag(key, value)
        for key, field in result.fields.items():
            point = point.field(key, field)
        points.append(point.time(result.time_ns))
    return points


def encoding(results: list[ProbeResult], rounds: int) -> list[Figure]:
    from influxdb_client.client.write.point import Point
    from influxdb_client.domain.write_precision import WritePrecision

    encoder = LineEncoder("v2", "ns")
    sizes: dict[str, int] = {}

    def ours() -> float:
        began = time.process_time()
        chunks = encoder.encode(results, BATCH)
        seconds = time.process_time() - began
        sizes["monitord"] = sum(len(c.body) for c in chunks)
        return seconds / len(results) * 1e6

    def points() -> float:
        began = time.process_time()
        body = "\n".join(p.to_line_protocol() for p in to_points(results)).encode()
        seconds = time.process_time() - began
        sizes["Point"] = len(body)
        return seconds / len(results) * 1e6

    def dicts() -> float:
        began = time.process_time()
        lines = []
        for r in results:
            record = {
                "measurement": r.measurement,
                "tags": {"target": r.target, **r.tags},
                "fields": r.fields,
                "time": r.time_ns,
            }
            point = Point.from_dict(record, WritePrecision.NS)  # type: ignore[arg-type]
            lines.append(point.to_line_protocol())
        body = "\n".join(lines).encode()
        seconds = time.process_time() - began
        sizes["dict"] = len(body)
        return seconds / len(results) * 1e6

    samples = interleave({"monitord": ours, "Point": points, "dict": dicts}, rounds)
    bytes_note = ", ".join(f"{name} {size / len(results):.0f} B/point" for name, size in sizes.items())
    return [
        Figure(
            "influx_write",
            "Influx line protocol encoding, 1 thread, vs Point",
            "us CPU/point",
            "lower",
            samples["monitord"],
            "influxdb-client Point",
            samples["Point"],
            note=f"bytes out: {bytes_note}",
        ),
        Figure(
            "influx_write",
            "Influx line protocol encoding, 1 thread, vs dict records",
            "us CPU/point",
            "lower",
            samples["monitord"],
            "influxdb-client dict",
            samples["dict"],
        ),
    ]


async def delivery(
    url: str, state: Path, results: list[ProbeResult], rounds: int, server_pid: int
) -> list[Figure]:
    from influxdb_client.client.influxdb_client_async import InfluxDBClientAsync

    config = InfluxConfig.model_validate({"url": url, "gzip": False, "batch_size": BATCH})
    sink = InfluxSink(config, state, CollectorRegistry())
    await sink.start()
    cpu: dict[str, list[float]] = {"monitord": [], "peer": []}
    server_seconds = [0.0]
    offset = [0]

    def next_slice() -> list[ProbeResult]:
        start = offset[0] % (len(results) - WRITE + 1)
        offset[0] += WRITE
        return results[start : start + WRITE]

    async with InfluxDBClientAsync(url=url, token="", org="") as client:
        api = client.write_api()

        async def ours() -> float:
            batch = next_slice()
            server0, cpu0, wall0 = server_cpu(server_pid), time.process_time(), time.perf_counter()
            await sink.write(batch)
            wall = time.perf_counter() - wall0
            cpu["monitord"].append((time.process_time() - cpu0) / WRITE * 1e6)
            server_seconds[0] += server_cpu(server_pid) - server0
            return WRITE / wall

        async def peer() -> float:
            batch = next_slice()
            cpu0, wall0 = time.process_time(), time.perf_counter()

            async def one(part: list[ProbeResult]) -> None:
                await api.write(bucket="monitord", org="", record=to_points(part))

            await asyncio.gather(*(one(batch[i : i + BATCH]) for i in range(0, WRITE, BATCH)))
            wall = time.perf_counter() - wall0
            cpu["peer"].append((time.process_time() - cpu0) / WRITE * 1e6)
            return WRITE / wall

        samples = await ainterleave({"monitord": ours, "peer": peer}, rounds)
    await sink.stop()
    if sink.spool.points:
        raise SystemExit("the server refused writes during the benchmark")
    measured = len(samples["monitord"]) + 1  # the warm-up round is in server_seconds too
    server_us = server_seconds[0] / (measured * WRITE) * 1e6
    cpu["monitord"] = cpu["monitord"][1:]
    cpu["peer"] = cpu["peer"][1:]
    rate = Figure(
        "influx_write",
        "Influx delivery to VictoriaMetrics, 4 x 5,000 in flight both",
        "points/s",
        "higher",
        samples["monitord"],
        "influxdb-client async",
        samples["peer"],
        goal=">= 300,000/s",
        note=f"VictoriaMetrics' own CPU {server_us:.2f} us/point on the same 2 cores",
    )
    rate.met = rate.ours_median >= 300_000
    per_point = Figure(
        "influx_write",
        "Influx delivery client CPU",
        "us/point",
        "lower",
        cpu["monitord"],
        "influxdb-client async",
        cpu["peer"],
        goal="<= 3 us",
    )
    per_point.met = per_point.ours_median <= 3
    return [rate, per_point]


async def main(quick: bool) -> None:
    rounds = 6 if quick else 20
    results = make_results(WRITE * 5)
    figures = encoding(results[:WRITE], rounds)
    root = Path(tempfile.mkdtemp(prefix="bench-influx-"))
    server = VictoriaServer(root)
    server.start()
    try:
        assert server.process is not None
        figures += await delivery(server.url, root / "s1", results, rounds * 2, server.process.pid)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    report(
        f"InfluxDB line protocol: {WRITE:,} points (4 fields + 2 tags each) per round; encoding "
        f"{rounds} interleaved rounds, delivery {rounds * 2}",
        figures,
    )


if __name__ == "__main__":
    asyncio.run(main(parser(__doc__).parse_args().quick))
