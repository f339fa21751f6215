"""Embedded time-series store: sustained insert rate and event-loop lag while it writes.

Peer in the same run: plain sqlite3 ``executemany`` of the same number of rows into the
same schema on the calling thread (the ceiling: no result conversion, no series lookup,
no thread hand-off). Rounds of a fixed duration alternate. Goal: >= 100,000 points/s
with loop lag p99 < 20 ms (sampled during monitord's rounds only: the peer blocks the
loop by design).

    .venv/bin/python -m benchmarks.embedded_store [--quick]
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Figure, ainterleave, parser, report
from benchmarks.stats import LoopLag, percentile
from monitord.results import ProbeResult
from monitord.tsdb.schema import create_day_table, day_of, open_connection, table_for
from monitord.tsdb.store import SeriesStore

TARGETS = 10_000
FIELDS = ("up", "loss_pct", "rtt_min_ms", "rtt_avg_ms", "rtt_max_ms")


def make_batch(start_ns: int, count: int, offset: int) -> list[ProbeResult]:
    return [
        ProbeResult(
            measurement="icmp",
            target=f"store-{(offset + i) % TARGETS:05d}",
            kind="icmp",
            time_ns=start_ns + offset + i,
            ok=True,
            fields={"up": 1, "loss_pct": 0.0, "rtt_min_ms": 0.1, "rtt_avg_ms": 0.2, "rtt_max_ms": 0.4},
            tags={"site": f"site-{(offset + i) % 2000}"},
        )
        for i in range(count)
    ]


async def compare(folder: Path, seconds: float, batch_results: int, rounds: int) -> list[Figure]:
    store = SeriesStore(folder / "a.db", retention_s=30 * 86400)
    await store.open()
    conn = open_connection(str(folder / "b.db"))
    now = time.time_ns()
    table = table_for(day_of(now))
    create_day_table(conn, day_of(now))
    lags: list[float] = []
    start_ns = time.time_ns()
    offset = [0]
    series = [0]

    async def ours() -> float:
        lag = LoopLag()  # sampled only while monitord writes: the peer blocks the loop by design
        lag.start()
        written = 0
        began = time.perf_counter()
        pending: asyncio.Task[int] | None = None
        while time.perf_counter() - began < seconds:
            # Results arrive in small bursts as probe runs finish, not as one big list.
            batch: list[ProbeResult] = []
            for _ in range(batch_results // 250):
                batch.extend(make_batch(start_ns, 250, offset[0]))
                offset[0] += 250
                await asyncio.sleep(0)
            if pending is not None:
                written += await pending
            pending = asyncio.create_task(store.write(batch))
        if pending is not None:
            written += await pending
        rate = written / (time.perf_counter() - began)
        await lag.stop()
        lags.extend(lag.samples)
        return rate

    async def peer() -> float:
        batch_points = batch_results * len(FIELDS)
        written = 0
        began = time.perf_counter()
        while time.perf_counter() - began < seconds:
            rows = [
                ((series[0] + i) % (TARGETS * len(FIELDS)), now + series[0] + i, 0.2, None)
                for i in range(batch_points)
            ]
            series[0] += batch_points
            conn.execute("BEGIN")
            conn.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?,?,?,?)", rows)
            conn.execute("COMMIT")
            written += batch_points
        return written / (time.perf_counter() - began)

    try:
        samples = await ainterleave({"monitord": ours, "sqlite3": peer}, rounds)
    finally:
        await store.close()
        conn.close()
    lag_ms = [x * 1000 for x in lags]
    rate = Figure(
        "embedded_store",
        "Embedded store insert",
        "points/s",
        "higher",
        samples["monitord"],
        "sqlite3 executemany, same schema",
        samples["sqlite3"],
        goal=">= 100,000/s",
    )
    rate.met = rate.ours_median >= 100_000
    p99 = percentile(lag_ms, 99)
    lag_figure = Figure(
        "embedded_store",
        "Event-loop lag while the store writes (p99)",
        "ms",
        "lower",
        [p99],
        goal="< 20 ms",
        note=f"p50 {percentile(lag_ms, 50):.2f} ms, max {max(lag_ms):.2f} ms, sampled while monitord writes",
    )
    lag_figure.met = p99 < 20
    return [rate, lag_figure]


def main() -> None:
    quick = parser(__doc__).parse_args().quick
    rounds, seconds = (5, 1.0) if quick else (10, 2.0)
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(compare(Path(tmp), seconds, 4000, rounds))
    report(f"embedded store, {seconds:g} s per round, 4,000 results x 5 fields per write", figures, rounds)


if __name__ == "__main__":
    main()
