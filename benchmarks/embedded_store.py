"""Embedded time-series store: sustained insert rate and event-loop lag while it writes.

Peer in the same run: plain sqlite3 ``executemany`` of the same rows into the same
schema on the calling thread (the ceiling: no result conversion, no series lookup,
no thread hand-off). Goal: >= 100,000 points/s with loop lag p99 < 20 ms.

    .venv/bin/python -m benchmarks.embedded_store [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks.stats import LoopLag, percentile
from monitord.results import ProbeResult
from monitord.tsdb.schema import create_day_table, day_of, open_connection, table_for
from monitord.tsdb.store import SeriesStore

TARGETS = 10_000
FIELDS = ("up", "loss_pct", "rtt_min_ms", "rtt_avg_ms", "rtt_max_ms")


def make_batch(start_ns: int, count: int, offset: int) -> list[ProbeResult]:
    return [
        ProbeResult(
            measurement="icmp", target=f"store-{(offset + i) % TARGETS:05d}", kind="icmp",
            time_ns=start_ns + offset + i, ok=True,
            fields={"up": 1, "loss_pct": 0.0, "rtt_min_ms": 0.1, "rtt_avg_ms": 0.2, "rtt_max_ms": 0.4},
            tags={"site": f"site-{(offset + i) % 2000}"},
        )
        for i in range(count)
    ]


async def monitord_rate(path: Path, seconds: float, batch_results: int) -> tuple[float, list[float]]:
    store = SeriesStore(path, retention_s=30 * 86400)
    await store.open()
    lag = LoopLag()
    lag.start()
    start_ns = time.time_ns()
    written = 0
    offset = 0
    began = time.perf_counter()
    pending: asyncio.Task[int] | None = None
    while time.perf_counter() - began < seconds:
        # Results arrive in small bursts as probe runs finish, not as one big list.
        batch: list[ProbeResult] = []
        for _ in range(batch_results // 250):
            batch.extend(make_batch(start_ns, 250, offset))
            offset += 250
            await asyncio.sleep(0)
        if pending is not None:
            written += await pending
        pending = asyncio.create_task(store.write(batch))
    if pending is not None:
        written += await pending
    elapsed = time.perf_counter() - began
    await lag.stop()
    await store.close()
    return written / elapsed, lag.samples


def sqlite_rate(path: Path, seconds: float, batch_points: int) -> float:
    conn = open_connection(str(path))
    now = time.time_ns()
    table = table_for(day_of(now))
    create_day_table(conn, day_of(now))
    written = 0
    began = time.perf_counter()
    series = 0
    while time.perf_counter() - began < seconds:
        rows = [((series + i) % (TARGETS * len(FIELDS)), now + series + i, 0.2, None)
                for i in range(batch_points)]
        series += batch_points
        conn.execute("BEGIN")
        conn.executemany(f"INSERT OR REPLACE INTO {table} VALUES (?,?,?,?)", rows)
        conn.execute("COMMIT")
        written += batch_points
    elapsed = time.perf_counter() - began
    conn.close()
    return written / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--batch", type=int, default=4000, help="results per write (x5 points)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ours, lags = asyncio.run(monitord_rate(Path(tmp) / "a.db", args.seconds, args.batch))
        peer = sqlite_rate(Path(tmp) / "b.db", args.seconds, args.batch * len(FIELDS))
    lag_ms = [x * 1000 for x in lags]
    print(f"embedded store (monitord): {ours:,.0f} points/s "
          f"(goal >= 100,000: {'met' if ours >= 100_000 else 'NOT met'})")
    print(f"plain sqlite3 executemany: {peer:,.0f} points/s (same schema, same thread, no conversion)")
    print(f"ratio monitord / sqlite3: {ours / peer:.2f}")
    print(f"event-loop lag while writing: p50 {percentile(lag_ms, 50):.2f} ms, "
          f"p99 {percentile(lag_ms, 99):.2f} ms, max {max(lag_ms):.2f} ms "
          f"(goal p99 < 20 ms: {'met' if percentile(lag_ms, 99) < 20 else 'NOT met'})")


if __name__ == "__main__":
    main()
