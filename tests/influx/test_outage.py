"""Outages: the server goes away for 20 s under >= 1,000 points/s; nothing acknowledged is lost.

1. VictoriaMetrics (v2 API), sink in-process: every point arrives with its
   value, and a point is sent twice at most (no multiplied duplicates).
2. InfluxDB 1.6 (v1 API), sink in a subprocess that is SIGKILLed in the middle
   of the outage: every point it acknowledged before the kill, and every point
   of the process started after it, arrives once the server is back.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from tests.influx.feed import counter, influx_config, make_sink, sequence_results
from tests.servers.influxdb import InfluxServer
from tests.servers.victoria import VictoriaServer

pytestmark = [pytest.mark.root, pytest.mark.slow]

RATE = 1200  # points per second, in ticks of 100 ms
OUTAGE = 20.0
REPO = Path(__file__).resolve().parents[2]


async def test_victoriametrics_outage_loses_nothing(victoria_private: VictoriaServer, tmp_path: Path) -> None:
    config = influx_config(victoria_private.url, api="v2", batch_size=5000)
    sink, registry = make_sink(config, tmp_path / "state")
    await sink.start()
    base_ms = time.time_ns() // 1_000_000 - 60_000
    per_tick = RATE // 10
    loop = asyncio.get_running_loop()
    seq = 0
    outage: asyncio.Task[None] | None = None

    async def take_down() -> None:
        await asyncio.to_thread(victoria_private.stop)
        await asyncio.sleep(OUTAGE)
        await asyncio.to_thread(victoria_private.start)

    begin = loop.time()
    try:
        while loop.time() - begin < OUTAGE + 6:
            tick = loop.time()
            if outage is None and tick - begin >= 2:
                outage = asyncio.create_task(take_down())
            await sink.write(sequence_results("outage", seq, per_tick, base_ms=base_ms))
            seq += per_tick
            await asyncio.sleep(max(0.0, 0.1 - (loop.time() - tick)))
        assert outage is not None
        await outage
        deadline = loop.time() + 60
        while sink.spool.points and loop.time() < deadline:
            await asyncio.sleep(0.1)
        assert sink.spool.points == 0, "the spool did not drain within 60 s of recovery"
    finally:
        await sink.stop()

    assert seq >= RATE * OUTAGE
    assert counter(registry, "monitord_influx_points_spooled_total") >= RATE * (OUTAGE - 2)
    assert counter(registry, "monitord_influx_batches_retried_total") >= 1
    assert counter(registry, "monitord_influx_points_written_total") >= seq
    rows = victoria_private.export('{__name__="outage_seq"}')
    arrived: Counter[int] = Counter()
    for row in rows:
        for value, stamp in zip(row["values"], row["timestamps"], strict=True):
            assert stamp == base_ms + int(value), f"seq {value} has the wrong timestamp"
            assert row["metric"]["target"] == f"t{int(value) % 10}"
            arrived[int(value)] += 1
    missing = sorted(set(range(seq)) - set(arrived))
    assert not missing, f"{len(missing)} of {seq} points lost, first {missing[:5]}"
    assert set(arrived) == set(range(seq))
    assert max(arrived.values()) <= 2, "a point arrived more than twice"
    assert sum(arrived.values()) - seq <= config.batch_size


def _acked(lines: list[str]) -> list[tuple[int, int]]:
    return [
        (int(parts[1]), int(parts[2]))
        for parts in (line.split() for line in lines)
        if parts and parts[0] == "acked"
    ]


def _driver(
    server: InfluxServer,
    database: str,
    state: Path,
    start: int,
    base_ms: int,
    duration: float,
    drain: bool,
    log: Path,
) -> subprocess.Popen[str]:
    args = [
        sys.executable,
        "-m",
        "tests.influx.driver",
        "--url",
        server.url,
        "--database",
        database,
        "--state-dir",
        str(state),
        "--start",
        str(start),
        "--rate",
        str(RATE),
        "--duration",
        str(duration),
        "--base-ms",
        str(base_ms),
    ]
    if drain:
        args.append("--drain")
    with log.open("w") as stderr:
        return subprocess.Popen(
            args,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )


def _read_until(process: subprocess.Popen[str], seconds: float) -> list[str]:
    """Lines the driver printed within ``seconds`` (the process keeps running)."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + seconds
    os.set_blocking(process.stdout.fileno(), False)
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line:
            lines.append(line.strip())
        else:
            time.sleep(0.02)
    return lines


def test_influxdb_outage_with_sigkill_loses_nothing_acknowledged(
    influx_private: InfluxServer, tmp_path: Path
) -> None:
    database = f"kill_{uuid.uuid4().hex[:8]}"
    influx_private.create_database(database)
    state = tmp_path / "state"
    base_ms = time.time_ns() // 1_000_000 - 120_000
    first = _driver(influx_private, database, state, 0, base_ms, 120, False, tmp_path / "driver1.log")
    try:
        lines = _read_until(first, 3.0)
        influx_private.stop()
        outage_began = time.monotonic()
        lines += _read_until(first, 8.0)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert first.stdout is not None
        lines += [line.strip() for line in first.stdout.read().splitlines()]
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=10)
        if first.stdout is not None:
            first.stdout.close()
    acked_first = _acked(lines)
    assert acked_first, (tmp_path / "driver1.log").read_text()
    last_first = acked_first[-1][1]
    assert last_first >= 1000 * 9, f"the driver acknowledged only {last_first + 1} points in 11 s"
    spool_files = list((state / "influx-spool").glob("*.seg"))
    assert spool_files, "nothing was spooled during the outage"

    # A new process picks the spool up; the server comes back while it writes.
    start_second = last_first + 1_000_000  # points in flight at the kill were never acknowledged
    second = _driver(
        influx_private, database, state, start_second, base_ms, 12, True, tmp_path / "driver2.log"
    )
    try:
        remaining = OUTAGE - (time.monotonic() - outage_began)
        lines2 = _read_until(second, max(0.0, remaining))
        influx_private.start()
        stdout, _ = second.communicate(timeout=100)
        lines2 += stdout.splitlines()
    finally:
        if second.poll() is None:
            second.kill()
            second.wait(timeout=10)
        if second.stdout is not None:
            second.stdout.close()
    assert second.returncode == 0, (tmp_path / "driver2.log").read_text()
    assert lines2[-1] == "stopped spool=0", lines2[-3:]
    acked_second = _acked(lines2)
    assert acked_second

    expected = set(range(0, last_first + 1)) | set(range(start_second, acked_second[-1][1] + 1))
    series = influx_private.query(database, "SELECT seq, target FROM killtest")
    arrived: Counter[int] = Counter()
    for entry in series:
        columns = entry["columns"]
        for values in entry["values"]:
            row = dict(zip(columns, values, strict=True))
            seq = int(row["seq"])
            assert row["time"] == (base_ms + seq) * 1_000_000, f"seq {seq} has the wrong timestamp"
            assert row["target"] == f"t{seq % 10}"
            arrived[seq] += 1
    missing = sorted(expected - set(arrived))
    assert not missing, f"{len(missing)} of {len(expected)} acknowledged points lost, first {missing[:5]}"
