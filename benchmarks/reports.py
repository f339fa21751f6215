"""Reports: the rollup's cost per result, and a month's report over 2,000 targets.

1. **Rollup hot path.** ``Rollup.add`` over 200,000 results (2,000 targets, 100 runs each
   at 10 s; 1 % of the targets failing, so outages are opened, credited across hours and
   closed), in microseconds per result. Floor in the same rounds: a bare loop that only
   counts each result into a dict keyed by (target, kind, hour). Goal: at most 2 µs.
2. **A month's report.** The state store (SQLite) holds a month of hourly rollups for
   2,000 targets at 10 s intervals (1,440,000 rows standing for 518 million runs), 10,000
   outages, 100 POS stores with opening hours, 50 backed-up servers and 1,000 tickets.
   Each round a fresh process builds the management report and renders it (HTML, then
   PDF with WeasyPrint); it reports its time (from the first query to the last byte,
   imports excluded) and its peak RSS (``ru_maxrss``, imports included). Floor: the one
   aggregate query the report cannot avoid (sums per target over the month), alone.
   Goals: at most 10 s and 300 MB.

    .venv/bin/python -m benchmarks.reports [--quick]
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.harness import Figure, interleave, parser, report
from monitord.config.loader import build_config
from monitord.reports.rollup import HOUR, HOUR_NS, Rollup
from monitord.results import ProbeResult

TARGETS = 2_000
RUNS = 100
INTERVAL = 10
SITES = 20
STORES = 100
BACKUPS = 50
TICKETS = 1_000
ZONE = "Europe/Berlin"
MONTH_START = 1_790_805_600  # 2026-10-01 00:00 CEST: October 2026, with its DST change (745 h)
NOW = 1_793_707_200.0  # 2026-11-03 12:00 UTC: "last-month" is October 2026


# -- 1. the hot path ---------------------------------------------------------------------------


def results() -> list[ProbeResult]:
    out = []
    start = MONTH_START * 1_000_000_000
    for run in range(RUNS):
        for index in range(TARGETS):
            failing = index % 100 == 0 and 30 <= run < 70
            out.append(
                ProbeResult(
                    "icmp",
                    f"t{index:04d}",
                    "icmp",
                    start + (run * INTERVAL + index % INTERVAL) * 1_000_000_000,
                    not failing,
                    "timeout" if failing else None,
                    {"up": 0 if failing else 1, "rtt_avg_ms": 1.5, "loss_pct": 0.0},
                )
            )
    return out


def rollup_round(batch: list[ProbeResult]) -> float:
    rollup = Rollup({"icmp": "icmp"}, {}, 3 * INTERVAL)
    begin = time.perf_counter()
    for start in range(0, len(batch), 10_000):  # the bus hands over batches
        rollup.add(batch[start : start + 10_000])
    return (time.perf_counter() - begin) / len(batch) * 1e6


def floor_round(batch: list[ProbeResult]) -> float:
    counts: dict[tuple[str, str, int], int] = {}
    begin = time.perf_counter()
    for start in range(0, len(batch), 10_000):
        for result in batch[start : start + 10_000]:
            key = (result.target, result.kind, result.time_ns // HOUR_NS)
            counts[key] = counts.get(key, 0) + 1
    return (time.perf_counter() - begin) / len(batch) * 1e6


# -- 2. a month's report -----------------------------------------------------------------------


def document(state_dir: Path) -> dict[str, Any]:
    sites = {f"site-{s:02d}": {"timezone": ZONE} for s in range(SITES)}
    sites.update({f"store-{s:03d}": {"timezone": ZONE} for s in range(STORES)})
    targets: list[dict[str, Any]] = []
    for index in range(TARGETS):
        probes: dict[str, Any] = {"icmp": {"interval": f"{INTERVAL}s"}}
        if index < BACKUPS:
            probes["backup"] = {"directory": "/srv/backup", "pattern": "*.gz", "interval": "1h"}
        targets.append(
            {
                "name": f"t{index:04d}",
                "address": "127.0.0.1",
                "site": f"site-{index % SITES:02d}",
                "criticality": "urgent" if index % 20 == 0 else "normal",
                "probes": probes,
            }
        )
    stores = {f"store-{s:03d}": {"hours": {"mon-sat": "08:00-20:00", "sun": "closed"}} for s in range(STORES)}
    return {
        "daemon": {"state_dir": str(state_dir)},
        "sites": sites,
        "targets": targets,
        "pos": {"udp": {"listen": None}, "stores": stores},
        "reports": {"timezone": ZONE},
    }


def seed(state_dir: Path) -> None:
    """Create the schema (migrations) and fill it with sqlite3 directly (fast)."""
    from monitord.store.engine import StateStore

    async def migrate() -> None:
        store = await StateStore.open(None, state_dir)
        await store.close()

    asyncio.run(migrate())
    database = next(state_dir.glob("*.db"))
    rng = random.Random(7)
    hours = [MONTH_START + h * HOUR for h in range(745)]
    with sqlite3.connect(database) as db:
        rows = []
        outages = []
        for index in range(TARGETS):
            name = f"t{index:04d}"
            for hour in hours:
                down = float(rng.choice((0, 0, 0, 0, 0, 0, 0, 0, 0, 30, 600))) if index % 7 == 0 else 0.0
                rows.append(
                    (hour, "icmp", name, 360, int(down // INTERVAL), 360 - int(down // INTERVAL), down)
                )
                if down:
                    outages.append((name, "icmp", float(hour + 60), float(hour + 60 + down), False))
                if index < BACKUPS and hour % 86400 == 3600:
                    rows.append((hour, "backup", name, 1, 0, rng.choice((0, 1, 1, 1)), 0.0))
            if len(rows) > 200_000:
                db.executemany("INSERT INTO report_rollup VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
                rows = []
        for store in range(STORES):
            for day in range(0, 31, 3):
                start = float(MONTH_START + day * 86400 + 9 * HOUR)
                outages.append((f"store-{store:03d}", "pos_store", start, start + 1800, False))
        db.executemany("INSERT INTO report_rollup VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        db.executemany("INSERT INTO report_outages VALUES (?, ?, ?, ?, ?)", outages)
        tickets = []
        for number in range(TICKETS):
            opened = MONTH_START + rng.randrange(0, 31 * 86400)
            urgent = number % 4 == 0
            tickets.append(
                (
                    f"fp{number % 300}",
                    f"ticket {number}",
                    "host-down",
                    f"t{number % TARGETS:04d}",
                    f"site-{number % SITES:02d}",
                    "critical",
                    "urgent" if urgent else "normal",
                    "resolved",
                    None,
                    number % 300 < 20,
                    0,
                    "[]",
                    "cable" if number % 3 == 0 else None,
                    None,
                    float(opened),
                    float(opened + rng.randrange(60, 3600)),
                    float(opened + rng.randrange(3600, 86400)),
                    None,
                    float(opened),
                )
            )
        db.executemany(
            "INSERT INTO tickets (fingerprint, title, rule, target, site, severity, priority, status, "
            "assignee, recurring, repeat_count, earlier, root_cause, merged_into, opened_at, "
            "acknowledged_at, resolved_at, closed_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            tickets,
        )
        db.commit()


def render_once(state_dir: Path) -> dict[str, float]:
    """Child process: build and render; time from the first query, RSS peak of the process."""
    import weasyprint  # noqa: F401  imported before the clock starts, like the daemon would have

    from monitord.reports.builder import build_report
    from monitord.reports.periods import named_period
    from monitord.reports.render_html import render_html
    from monitord.reports.render_pdf import pdf_bytes
    from monitord.store.engine import StateStore

    loaded = build_config(document(state_dir))

    async def build() -> tuple[float, float, int]:
        store = await StateStore.open(None, state_dir, migrate=False)
        begin = time.perf_counter()
        period = named_period("last-month", NOW, ZoneInfo(ZONE))
        built = await build_report("management", period, NOW, loaded, store)
        html = render_html(built)
        html_done = time.perf_counter()
        pdf = pdf_bytes(html)
        end = time.perf_counter()
        await store.close()
        return html_done - begin, end - begin, len(pdf)

    html_s, total_s, size = asyncio.run(build())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"html_s": html_s, "total_s": total_s, "pdf_bytes": size, "rss_mb": peak_mb}


def floor_query(state_dir: Path) -> float:
    database = next(state_dir.glob("*.db"))
    with sqlite3.connect(database) as db:
        begin = time.perf_counter()
        db.execute(
            "SELECT target, kind, sum(runs), sum(failed), sum(down_s) FROM report_rollup "
            "WHERE hour >= ? AND hour < ? GROUP BY target, kind",
            (MONTH_START, MONTH_START + 745 * HOUR),
        ).fetchall()
        return time.perf_counter() - begin


def main(rounds: int) -> None:
    batch = results()
    samples = interleave(
        {"rollup": lambda: rollup_round(batch), "floor": lambda: floor_round(batch)}, rounds=rounds * 3
    )
    hot = Figure(
        "reports",
        "rollup cost per result (Rollup.add)",
        "µs/result",
        "lower",
        samples["rollup"],
        "bare dict-increment loop (floor)",
        samples["floor"],
        goal="<= 2 µs",
    )
    hot.met = hot.ours_median <= 2.0
    with tempfile.TemporaryDirectory() as folder:
        state_dir = Path(folder)
        began = time.perf_counter()
        seed(state_dir)
        seeded = time.perf_counter() - began
        runs: list[dict[str, float]] = []

        def child() -> float:
            answer = subprocess.run(
                [sys.executable, "-m", "benchmarks.reports", "--render-child", str(state_dir)],
                capture_output=True,
                text=True,
                check=True,
                timeout=300,
            )
            runs.append(json.loads(answer.stdout.strip().splitlines()[-1]))
            return runs[-1]["total_s"]

        timed = interleave(
            {"report": child, "floor": lambda: floor_query(state_dir)}, rounds=rounds, warmup=0
        )
    month = Figure(
        "reports",
        "month report, 2,000 targets: build + HTML + PDF",
        "s",
        "lower",
        timed["report"],
        "the month's GROUP BY target alone (floor)",
        timed["floor"],
        goal="<= 10 s",
        note=f"HTML ready after {sorted(r['html_s'] for r in runs)[len(runs) // 2]:.2f} s (median); "
        f"PDF {int(runs[-1]['pdf_bytes']):,} bytes; seeding 1.44 M rollup rows took {seeded:.0f} s",
    )
    month.met = month.ours_median <= 10.0
    memory = Figure(
        "reports",
        "month report, 2,000 targets: peak RSS of the process",
        "MB",
        "lower",
        [r["rss_mb"] for r in runs],
        goal="<= 300 MB",
        note="ru_maxrss of a fresh process that imports monitord and WeasyPrint, builds and renders",
    )
    memory.met = memory.ours_median <= 300.0
    report("Reports: rollup hot path and a month's report", [hot, month, memory], rounds)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--render-child":
        print(json.dumps(render_once(Path(sys.argv[2]))))
    else:
        quick = parser(__doc__).parse_args().quick
        main(2 if quick else 5)
