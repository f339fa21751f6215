"""Writing and reading the embedded time series off the event loop.

One writer thread owns the write connection (SQLite allows one writer; a single
thread also keeps the series-id cache lock-free). Batches are turned into rows
and inserted in one transaction per batch with ``executemany``; the loop only
awaits the future. Reads use their own short-lived connections (WAL lets them
run beside the writer).
"""

from __future__ import annotations

import asyncio
import functools
import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from monitord.results import ProbeResult
from monitord.tsdb.schema import (
    DAY_NS,
    create_day_table,
    day_of,
    day_tables,
    open_connection,
    table_for,
)

T = TypeVar("T")
SeriesKey = tuple[str, str, str, str]  # measurement, target, field, tags json


@dataclass(frozen=True, slots=True)
class Series:
    """One stored series and its points ``(time_ns, value)``."""

    measurement: str
    target: str
    field: str
    tags: dict[str, str]
    points: list[tuple[int, float | str | None]]


class SeriesStore:
    """The embedded store; ``open`` before use, ``close`` to flush and release."""

    def __init__(self, path: Path, retention_s: float) -> None:
        self.path = path
        self.retention_ns = int(retention_s * 1_000_000_000)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitord-tsdb")
        self._conn: sqlite3.Connection | None = None
        self._series: dict[SeriesKey, int] = {}
        # (measurement, target, tags items in the order given) -> field -> series id
        self._by_source: dict[tuple[str, str, tuple[tuple[str, str], ...]], dict[str, int]] = {}
        self._tables: set[date] = set()

    async def open(self) -> None:
        await self._call(self._open_sync)

    async def close(self) -> None:
        if self._conn is not None:
            await self._call(self._close_sync)
        self._executor.shutdown(wait=True)

    async def write(self, results: Sequence[ProbeResult]) -> int:
        """Store every field of every result; returns the number of points written."""
        return await self._call(self._write_sync, list(results))

    async def prune(self, now_ns: int | None = None) -> list[str]:
        """Drop day tables entirely older than the retention; returns their names."""
        return await self._call(self._prune_sync, now_ns or time.time_ns())

    async def query(
        self,
        *,
        target: str,
        measurement: str | None,
        field: str | None,
        since_ns: int,
        until_ns: int,
        limit: int,
    ) -> list[Series]:
        return await asyncio.to_thread(
            functools.partial(
                self._query_sync,
                target,
                measurement=measurement,
                field=field,
                since_ns=since_ns,
                until_ns=until_ns,
                limit=limit,
            )
        )

    async def known_target(self, target: str) -> bool:
        return await asyncio.to_thread(self._known_target_sync, target)

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    # -- writer thread ------------------------------------------------------------------

    def _open_sync(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = open_connection(str(self.path))
        self._reload_caches(conn)
        self._conn = conn

    def _close_sync(self) -> None:
        if self._conn is not None:
            self._conn.execute("PRAGMA optimize")
            self._conn.close()
            self._conn = None

    def _series_id(self, conn: sqlite3.Connection, result: ProbeResult, name: str) -> int:
        tags = json.dumps(dict(result.tags), sort_keys=True, separators=(",", ":"))
        key = (result.measurement, result.target, name, tags)
        series_id = self._series.get(key)
        if series_id is None:
            conn.execute(
                "INSERT OR IGNORE INTO series (measurement, target, field, tags) VALUES (?,?,?,?)", key
            )
            row = conn.execute(
                "SELECT id FROM series WHERE measurement=? AND target=? AND field=? AND tags=?", key
            ).fetchone()
            series_id = self._series[key] = int(row[0])
        return series_id

    def _write_sync(self, results: list[ProbeResult]) -> int:
        conn = self._conn
        if conn is None:
            raise RuntimeError("series store is not open")
        rows: dict[date, list[tuple[int, int, float | None, str | None]]] = {}
        # Hot path (issue 20: at least 0.9x plain sqlite3 with the same schema). The series
        # ids of one source (measurement, target, tags as given) are looked up once per
        # result, not per field, and the tags' canonical JSON is built only for a series
        # not seen before: json.dumps per result was a third of the write's CPU.
        by_source = self._by_source
        day_start = day_end = 0
        bucket: list[tuple[int, int, float | None, str | None]] = []
        conn.execute("BEGIN")
        try:
            for result in results:
                ts = result.time_ns
                if not day_start <= ts < day_end:
                    day = day_of(ts)
                    day_start = (ts // DAY_NS) * DAY_NS
                    day_end = day_start + DAY_NS
                    bucket = rows.setdefault(day, [])
                source = (result.measurement, result.target, tuple(result.tags.items()))
                ids = by_source.get(source)
                if ids is None:
                    ids = by_source[source] = {}
                for name, value in result.fields.items():
                    series_id = ids.get(name)
                    if series_id is None:
                        series_id = ids[name] = self._series_id(conn, result, name)
                    if isinstance(value, str):
                        bucket.append((series_id, ts, None, value))
                    else:
                        bucket.append((series_id, ts, float(value), None))
            written = 0
            for day, day_rows in rows.items():
                if day not in self._tables:
                    create_day_table(conn, day)
                    self._tables.add(day)
                conn.executemany(  # table names come from table_for(), never from input
                    f"INSERT OR REPLACE INTO {table_for(day)} (series_id, ts, value, text) "  # noqa: S608
                    "VALUES (?,?,?,?)",
                    day_rows,
                )
                written += len(day_rows)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # SQLite may have rolled back already (SQLITE_FULL)
                conn.execute("ROLLBACK")
            # The rollback undid new series rows and day tables; the caches must forget them.
            self._reload_caches(conn)
            raise
        return written

    def _reload_caches(self, conn: sqlite3.Connection) -> None:
        self._series = {
            (measurement, target, field, tags): series_id
            for series_id, measurement, target, field, tags in conn.execute(
                "SELECT id, measurement, target, field, tags FROM series"
            )
        }
        self._by_source = {}
        self._tables = set(day_tables(conn))

    def _prune_sync(self, now_ns: int) -> list[str]:
        conn = self._conn
        if conn is None:
            return []
        cutoff = day_of(now_ns - self.retention_ns)
        dropped = []
        for day, name in sorted(day_tables(conn).items()):
            if day < cutoff:
                conn.execute(f"DROP TABLE {name}")
                self._tables.discard(day)
                dropped.append(name)
        return dropped

    # -- readers (own connections) ------------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
        conn.execute("PRAGMA busy_timeout=10000")
        return conn

    def _known_target_sync(self, target: str) -> bool:
        if not self.path.exists():
            return False
        with self._reader() as conn:
            row = conn.execute("SELECT 1 FROM series WHERE target=? LIMIT 1", (target,)).fetchone()
            return row is not None

    def _query_sync(
        self,
        target: str,
        *,
        measurement: str | None,
        field: str | None,
        since_ns: int,
        until_ns: int,
        limit: int,
    ) -> list[Series]:
        if not self.path.exists():
            return []
        conn = self._reader()
        try:
            clauses, params = ["target = ?"], [target]
            if measurement:
                clauses.append("measurement = ?")
                params.append(measurement)
            if field:
                clauses.append("field = ?")
                params.append(field)
            found = conn.execute(  # the clauses are fixed strings; values are bound
                f"SELECT id, measurement, field, tags FROM series WHERE {' AND '.join(clauses)} "  # noqa: S608
                "ORDER BY measurement, field, tags",
                params,
            ).fetchall()
            first, last = day_of(since_ns), day_of(until_ns)
            tables = [name for day, name in sorted(day_tables(conn).items()) if first <= day <= last]
            out: list[Series] = []
            for series_id, meas, fname, tags in found:
                points: list[tuple[int, float | str | None]] = []
                for table in tables:
                    remaining = limit - len(points)
                    if remaining <= 0:
                        break
                    for ts, value, text in conn.execute(
                        f"SELECT ts, value, text FROM {table} WHERE series_id=? AND ts>=? AND ts<=? "  # noqa: S608
                        "ORDER BY ts LIMIT ?",
                        (series_id, since_ns, until_ns, remaining),
                    ):
                        points.append((ts, text if text is not None else value))
                out.append(Series(meas, target, fname, json.loads(tags), points))
            return out
        finally:
            conn.close()


__all__ = ["DAY_NS", "Series", "SeriesStore"]
