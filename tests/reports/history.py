"""A known month of history (October 2026, Europe/Berlin) with hand-computed figures.

October 2026 in Europe/Berlin runs from 2026-09-30 22:00 UTC (00:00 CEST) to
2026-10-31 23:00 UTC (00:00 CET): the clocks go back on Sunday 25 October, so the
month is 31 x 24 + 1 = 745 hours = 2,682,000 s long. Every expected figure is in
``tests/reports/test_known_history.py`` with its arithmetic.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from alerts.tables import tickets
from monitord.assets.tables import assets
from monitord.config.loader import LoadedConfig, build_config
from monitord.repairs.tables import repair_requests, repair_worklog
from monitord.reports.jobs import rollup_setup
from monitord.reports.rollup import Rollup
from monitord.reports.rollup_repo import RollupRepo
from monitord.results import ProbeResult
from monitord.store.engine import StateStore
from tests.daemon_harness import base_config

NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC).timestamp()  # "last-month" is October


def utc(text: str) -> float:
    """``2026-10-10 10:00`` (or with seconds) as UTC epoch seconds."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


def document(state_dir: Path, state_url: str | None = None) -> dict[str, Any]:
    doc = base_config(
        state_dir,
        sites={
            "hq": {"timezone": "Europe/Berlin"},
            "branch": {"timezone": "UTC"},
            "store-1": {"timezone": "Europe/Berlin"},
            "store-2": {"timezone": "Europe/Berlin"},
        },
        targets=[
            {
                "name": "core-router",
                "address": "127.0.0.1",
                "site": "hq",
                "criticality": "urgent",
                "probes": {"icmp": {"interval": "60s"}},
            },
            {
                "name": "hq-server",
                "address": "127.0.0.2",
                "site": "hq",
                "probes": {"tcp": {"port": 22, "interval": "60s"}},
            },
            {
                "name": "branch-sw",
                "address": "127.0.0.3",
                "site": "branch",
                "probes": {"icmp": {"interval": "60s"}},
            },
            {
                "name": "files-1",
                "address": "127.0.0.4",
                "site": "hq",
                "probes": {"backup": {"directory": "/srv/backup", "pattern": "*.gz", "interval": "1h"}},
            },
        ],
        pos={
            "interval": "30s",
            "udp": {"listen": None},
            "stores": {
                "store-1": {"hours": {"mon-sat": "08:00-20:00", "sun": "closed"}},
                "store-2": {"hours": {"daily": "00:00-24:00"}},
            },
        },
        reports={"timezone": "Europe/Berlin"},
        alerts={"enabled": False},
    )
    if state_url is not None:
        doc["storage"] = {"state_url": state_url}
    return doc


def loaded_config(state_dir: Path) -> LoadedConfig:
    return build_config(document(state_dir))


def _run(
    kind: str, measurement: str, target: str, at: float, ok: bool, reason: str | None = None
) -> ProbeResult:
    return ProbeResult(
        measurement=measurement,
        target=target,
        kind=kind,
        time_ns=round(at * 1e9),
        ok=True if kind == "backup" else ok,
        reason=reason if kind == "backup" else (None if ok else "no answer"),
        fields={"up": 1 if ok else 0},
    )


def _series(
    kind: str, measurement: str, target: str, start: str, stop: str, every: float, ok: bool
) -> list[ProbeResult]:
    """Runs at ``start``, ``start + every``, ... strictly before ``stop``."""
    first, end = utc(start), utc(stop)
    count = round((end - first) / every)
    return [_run(kind, measurement, target, first + n * every, ok) for n in range(count)]


def results() -> list[ProbeResult]:
    out: list[ProbeResult] = []
    icmp = ("icmp", "icmp")
    # core-router: down 21:00-23:00 UTC on 30 September (crosses the period start at 22:00
    # UTC), and 10:00-10:30 UTC on 10 October.
    out.append(_run(*icmp, "core-router", utc("2026-09-30 20:59"), True))
    out += _series(*icmp, "core-router", "2026-09-30 21:00", "2026-09-30 23:00", 60, False)
    out.append(_run(*icmp, "core-router", utc("2026-09-30 23:00"), True))
    out.append(_run(*icmp, "core-router", utc("2026-10-10 09:59"), True))
    out += _series(*icmp, "core-router", "2026-10-10 10:00", "2026-10-10 10:30", 60, False)
    out.append(_run(*icmp, "core-router", utc("2026-10-10 10:30"), True))
    # hq-server: always up.
    out += _series("tcp", "tcp", "hq-server", "2026-10-05 00:00", "2026-10-05 01:00", 60, True)
    # branch-sw: one failed run, then nothing for two hours (the daemon was stopped): the
    # gap counts at most 3 intervals = 180 s. And down from 22:30 UTC on 31 October to
    # 23:30 UTC, across the period end (23:00 UTC).
    out.append(_run(*icmp, "branch-sw", utc("2026-10-20 11:59"), True))
    out.append(_run(*icmp, "branch-sw", utc("2026-10-20 12:00"), False))
    out.append(_run(*icmp, "branch-sw", utc("2026-10-20 14:00"), True))
    out += _series(*icmp, "branch-sw", "2026-10-31 22:30", "2026-10-31 23:30", 60, False)
    out.append(_run(*icmp, "branch-sw", utc("2026-10-31 23:30"), True))
    store = ("pos_store", "pos")
    # store-1 (Mon-Sat 08:00-20:00 Berlin): down Friday 16 October 17:30-19:00 UTC = 19:30-21:00
    # CEST, of which 19:30-20:00 is inside opening hours; down Sunday 11 October 10:00-11:00
    # UTC while closed.
    out += _series(*store, "store-1", "2026-10-16 17:30", "2026-10-16 19:00", 30, False)
    out.append(_run(*store, "store-1", utc("2026-10-16 19:00"), True))
    out += _series(*store, "store-1", "2026-10-11 10:00", "2026-10-11 11:00", 30, False)
    out.append(_run(*store, "store-1", utc("2026-10-11 11:00"), True))
    # store-2 (open around the clock): down 00:30-02:30 UTC on 25 October, across the DST
    # change (02:30 CEST to 03:30 CET on the wall clock: 1 hour, but 2 real hours).
    out += _series(*store, "store-2", "2026-10-25 00:30", "2026-10-25 02:30", 30, False)
    out.append(_run(*store, "store-2", utc("2026-10-25 02:30"), True))
    # files-1 backups: the check for 1 October ran at 22:30 UTC on 30 September (00:30
    # CEST, 1 October in Berlin); 5 and 17 October found a stale backup; 25 October had
    # no check; the check at 23:30 UTC on 31 October is 1 November in Berlin.
    backup = ("backup", "backup", "files-1")
    out.append(_run(*backup, utc("2026-09-30 22:30"), True))
    for day in range(2, 32):
        if day == 25:
            continue
        reason = "stale: newest backup is 30h old" if day in (5, 17) else None
        out.append(_run(*backup, utc(f"2026-10-{day:02d} 03:00"), True, reason))
    out.append(_run(*backup, utc("2026-10-31 23:30"), True))
    out.sort(key=lambda r: r.time_ns)
    return out


TICKET_ROWS: list[dict[str, Any]] = [
    # (urgent) U1: ack after 10 min, resolved after 2 h.
    {
        "fingerprint": "fp-u1",
        "priority": "urgent",
        "opened": "2026-10-10 10:00",
        "ack": 600,
        "resolved": 7200,
    },
    # U2: ack after 20 min (late), resolved after 5 h (late); a repeat of a September fault.
    {
        "fingerprint": "fp-u2",
        "priority": "urgent",
        "opened": "2026-10-12 08:00",
        "ack": 1200,
        "resolved": 18000,
        "recurring": True,
    },
    # U3: nobody acknowledged it, fixed after 12 min.
    {
        "fingerprint": "fp-u3",
        "priority": "urgent",
        "opened": "2026-10-14 08:00",
        "ack": None,
        "resolved": 720,
    },
    # U4: opened 10 min before the period ends, still open: not judged yet.
    {
        "fingerprint": "fp-u4",
        "priority": "urgent",
        "opened": "2026-10-31 22:50",
        "ack": None,
        "resolved": None,
    },
    # U5: opened before the period: not counted.
    {"fingerprint": "fp-u5", "priority": "urgent", "opened": "2026-09-30 21:00", "ack": 60, "resolved": 600},
    # A child merged into U1 (id 1): part of U1's incident, not counted.
    {
        "fingerprint": "fp-child",
        "priority": "urgent",
        "opened": "2026-10-10 10:01",
        "ack": None,
        "resolved": 7000,
        "merged_into": 1,
    },
    # (normal) N1: ack 1 h, resolved 1 day.
    {
        "fingerprint": "fp-n1",
        "priority": "normal",
        "opened": "2026-10-01 09:00",
        "ack": 3600,
        "resolved": 86400,
    },
    # N2: ack 5 h (late), resolved 4 days (late).
    {
        "fingerprint": "fp-n2",
        "priority": "normal",
        "opened": "2026-10-02 09:00",
        "ack": 18000,
        "resolved": 345600,
    },
    # N3: ack 30 min, never resolved (overdue by the period's end).
    {
        "fingerprint": "fp-disk",
        "priority": "normal",
        "opened": "2026-10-03 09:00",
        "ack": 1800,
        "resolved": None,
    },
    # N4: the same fault again: recurring, with its root cause.
    {
        "fingerprint": "fp-disk",
        "priority": "normal",
        "opened": "2026-10-20 09:00",
        "ack": 7200,
        "resolved": 21600,
        "recurring": True,
        "root_cause": "disk full: log rotation missing",
    },
]


async def insert_tickets(store: StateStore) -> None:
    rows = []
    for spec in TICKET_ROWS:
        opened = utc(spec["opened"])
        rows.append(
            {
                "fingerprint": spec["fingerprint"],
                "title": f"{spec['fingerprint']} fault",
                "rule": "disk-full" if spec["fingerprint"] == "fp-disk" else "host-down",
                "target": "files-1" if spec["fingerprint"] == "fp-disk" else "core-router",
                "site": "hq",
                "severity": "critical",
                "priority": spec["priority"],
                "status": "resolved" if spec["resolved"] is not None else "open",
                "assignee": None,
                "recurring": spec.get("recurring", False),
                "repeat_count": 0,
                "earlier": [],
                "root_cause": spec.get("root_cause"),
                "merged_into": spec.get("merged_into"),
                "opened_at": opened,
                "acknowledged_at": None if spec["ack"] is None else opened + spec["ack"],
                "resolved_at": None if spec["resolved"] is None else opened + spec["resolved"],
                "closed_at": None,
                "updated_at": opened,
            }
        )
    async with store.engine.begin() as conn:
        for row in rows:  # one by one: ids 1, 2, ... in this order
            await conn.execute(insert(tickets).values(**row))


async def insert_work(store: StateStore) -> None:
    """N1 (ticket 7) is a repair request (a printer); time logged on three tickets, one entry in September."""
    request = {
        "ticket_id": 7,
        "category": "printer",
        "asset": "",
        "description": "receipt printer jams",
        "reporter": "store manager",
        "contact": "",
        "opened_by": "reader",
        "resolution": None,
    }
    work = [
        ("anna", 7, "2026-10-01 10:00", 30),
        ("anna", 9, "2026-10-03 10:00", 45),
        ("ben", 1, "2026-10-10 11:00", 90),
        ("ben", 5, "2026-09-30 21:30", 20),  # before the period: not counted
    ]
    async with store.engine.begin() as conn:
        await conn.execute(insert(repair_requests).values(**request))
        for technician, ticket, at, minutes in work:
            await conn.execute(
                insert(repair_worklog).values(
                    ticket_id=ticket,
                    technician=technician,
                    at=utc(at),
                    minutes=minutes,
                    note="",
                    parts=[],
                    logged_by="admin",
                )
            )


# (tag, kind, status, warranty end): NOW is 10 November 2026, "within 60 days" is up to and
# including 9 January 2027.
ASSETS = [
    ("SW-1", "switch", "in-use", dt.date(2026, 12, 1)),  # listed
    ("RT-1", "router", "in-use", dt.date(2027, 1, 9)),  # day 60: listed
    ("TILL-1", "pos-till", "spare", dt.date(2027, 1, 10)),  # day 61: not listed
    ("PR-1", "printer", "retired", dt.date(2026, 11, 20)),  # retired: not listed
    ("SRV-1", "server", "in-repair", dt.date(2026, 11, 5)),  # already ended: not listed
    ("UPS-1", "ups", "spare", None),
]


async def insert_assets(store: StateStore) -> None:
    stamp = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    async with store.engine.begin() as conn:
        for tag, kind, status, warranty in ASSETS:
            await conn.execute(
                insert(assets).values(
                    tag=tag,
                    kind=kind,
                    site="hq",
                    model=f"{kind} model",
                    status=status,
                    warranty_end=warranty,
                    notes="",
                    created_at=stamp,
                    updated_at=stamp,
                )
            )


async def fill(store: StateStore, loaded: LoadedConfig) -> None:
    """Feed the results through the rollup in two flushes (the second adds to the first's rows)."""
    setup = rollup_setup(loaded)
    rollup = Rollup(setup.verdicts, setup.caps, setup.default_cap)
    repo = RollupRepo(store)
    history = results()
    half = len(history) // 2
    rollup.add(history[:half])
    await repo.write(rollup.drain(history[half].time_ns / 1e9))
    rollup.add(history[half:])
    await repo.write(rollup.drain(NOW))
    await insert_tickets(store)
    await insert_work(store)
    await insert_assets(store)
