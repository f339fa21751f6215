"""The rollup in the state store: batched writes from the service, period reads for reports.

One flush is one transaction: every hourly cell is an upsert that adds to the
row already there (``ON CONFLICT ... DO UPDATE SET runs = runs + excluded.runs``,
the same statement on SQLite and PostgreSQL), every changed outage an upsert
that sets its end. Reads aggregate in SQL, so a month over 2,000 targets returns
a few thousand rows, not 1.4 million.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from monitord.reports.rollup import HOUR, Drained
from monitord.reports.tables import report_outages, report_rollup
from monitord.store.engine import StateStore

CHUNK = 5_000  # rows per executemany: bounded statements on both back ends


@dataclass(frozen=True, slots=True)
class JobTotals:
    """One (target, kind)'s sums over a period."""

    target: str
    kind: str
    runs: int
    failed: int
    clean: int
    down_s: float


@dataclass(frozen=True, slots=True)
class Outage:
    target: str
    kind: str
    started: float
    ended: float


class RollupRepo:
    def __init__(self, store: StateStore) -> None:
        self.store = store

    def _insert(self) -> Any:
        return pg_insert if self.store.dialect == "postgresql" else sqlite_insert

    # -- writes -----------------------------------------------------------------------------

    async def write(self, drained: Drained) -> None:
        insert = self._insert()
        cells = insert(report_rollup)
        cells = cells.on_conflict_do_update(
            index_elements=["hour", "kind", "target"],
            set_={
                "runs": report_rollup.c.runs + cells.excluded.runs,
                "failed": report_rollup.c.failed + cells.excluded.failed,
                "clean": report_rollup.c.clean + cells.excluded.clean,
                "down_s": report_rollup.c.down_s + cells.excluded.down_s,
            },
        )
        outages = insert(report_outages)
        outages = outages.on_conflict_do_update(
            index_elements=["target", "kind", "started"],
            set_={"ended": outages.excluded.ended, "open": outages.excluded.open},
        )
        rows = [
            {
                "target": target,
                "kind": kind,
                "hour": hour,
                "runs": int(v[0]),
                "failed": int(v[1]),
                "clean": int(v[2]),
                "down_s": float(v[3]),
            }
            for (target, kind, hour), v in drained.cells.items()
        ]
        outage_rows = [
            {"target": o.target, "kind": o.kind, "started": o.started, "ended": o.ended, "open": o.open}
            for o in drained.outages
        ]
        async with self.store.engine.begin() as conn:
            for start in range(0, len(rows), CHUNK):
                await conn.execute(cells, rows[start : start + CHUNK])
            for start in range(0, len(outage_rows), CHUNK):
                await conn.execute(outages, outage_rows[start : start + CHUNK])

    async def close_open(self) -> int:
        """At start: outages left open by the last run end where their credit ended."""
        async with self.store.engine.begin() as conn:
            result = await conn.execute(
                update(report_outages).where(report_outages.c.open.is_(True)).values(open=False)
            )
        return int(result.rowcount or 0)

    async def prune(self, before: float) -> None:
        async with self.store.engine.begin() as conn:
            await conn.execute(delete(report_rollup).where(report_rollup.c.hour < int(before)))
            await conn.execute(delete(report_outages).where(report_outages.c.ended < before))

    # -- reads ------------------------------------------------------------------------------

    async def totals(self, start: float, end: float, kinds: set[str] | None = None) -> list[JobTotals]:
        """Sums per (target, kind) over the hours that start in [start, end)."""
        c = report_rollup.c
        query = (
            select(
                c.target,
                c.kind,
                func.sum(c.runs),
                func.sum(c.failed),
                func.sum(c.clean),
                func.sum(c.down_s),
            )
            .where(c.hour >= _hour_floor(start), c.hour < _hour_ceil(end))
            .group_by(c.target, c.kind)
        )
        if kinds is not None:
            query = query.where(c.kind.in_(sorted(kinds)))
        async with self.store.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [JobTotals(t, k, int(r), int(f), int(cl), float(d)) for t, k, r, f, cl, d in rows]

    async def clean_hours(self, start: float, end: float, kind: str) -> list[tuple[str, int]]:
        """(target, hour) of every hour with at least one clean run of ``kind``."""
        c = report_rollup.c
        query = select(c.target, c.hour).where(
            c.kind == kind, c.clean > 0, c.hour >= _hour_floor(start), c.hour < _hour_ceil(end)
        )
        async with self.store.engine.connect() as conn:
            return [(t, int(h)) for t, h in (await conn.execute(query)).all()]

    async def outages(self, start: float, end: float, kinds: set[str]) -> list[Outage]:
        """Outages overlapping [start, end), uncut (callers clip them)."""
        c = report_outages.c
        query = select(c.target, c.kind, c.started, c.ended).where(
            c.started < end, c.ended > start, c.kind.in_(sorted(kinds))
        )
        async with self.store.engine.connect() as conn:
            return [Outage(t, k, float(s), float(e)) for t, k, s, e in (await conn.execute(query)).all()]


def _hour_floor(ts: float) -> int:
    return int(ts // HOUR) * HOUR


def _hour_ceil(ts: float) -> int:
    return -int(-ts // HOUR) * HOUR
