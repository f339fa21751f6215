"""Exact report figures from a known month (tests/reports/history.py), on SQLite and PostgreSQL.

Period: October 2026 in Europe/Berlin = 745 h = 2,682,000 s (the clocks go back on
25 October). Every expected number below is worked out by hand in its comment.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitord.config.loader import LoadedConfig
from monitord.reports.builder import build_report
from monitord.reports.model import Report, Table
from monitord.reports.periods import named_period
from monitord.store.engine import StateStore
from tests.reports.history import NOW, fill, loaded_config, utc

MONTH = 745 * 3600  # 2,682,000 s


@pytest.fixture
async def store(state_url: str, tmp_path: Path) -> AsyncIterator[StateStore]:
    opened = await StateStore.open(state_url, tmp_path)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def loaded(tmp_path: Path) -> LoadedConfig:
    return loaded_config(tmp_path)


async def _report(store: StateStore, loaded: LoadedConfig) -> Report:
    await fill(store, loaded)
    period = named_period("last-month", NOW, ZoneInfo("Europe/Berlin"))
    return await build_report("management", period, NOW, loaded, store)


def rows(table: Table | None) -> dict[str, dict[str, object]]:
    assert table is not None
    names = [c.name for c in table.columns]
    return {str(row[0]): dict(zip(names, row, strict=True)) for row in table.rows}


async def test_the_period_is_october_in_berlin_with_its_dst_hour() -> None:
    period = named_period("last-month", NOW, ZoneInfo("Europe/Berlin"))
    assert period.start == utc("2026-09-30 22:00")  # 00:00 CEST
    assert period.end == utc("2026-10-31 23:00")  # 00:00 CET
    assert period.end - period.start == MONTH
    assert period.label == "October 2026"


async def test_target_availability(store: StateStore, loaded: LoadedConfig) -> None:
    report = await _report(store, loaded)
    critical = rows(report.table("critical_targets"))
    # core-router: 21:00-23:00 UTC on 30 Sep, of which 22:00-23:00 is in October (3600 s),
    # plus 10:00-10:30 UTC on 10 Oct (1800 s): 5400 s down.
    # 100 x (1 - 5400 / 2,682,000) = 99.79865... -> 99.799; 90 minutes; longest 60 minutes.
    assert critical == {
        "core-router": {
            "target": "core-router",
            "site": "hq",
            "kind": "icmp",
            "availability_pct": 99.799,
            "outage_minutes": 90.0,
            "outages": 2,
            "longest_outage_minutes": 60.0,
        }
    }
    worst = rows(report.table("worst_targets"))
    # branch-sw: one failed run at 12:00 and the next run at 14:00: the gap counts 3 x 60 s
    # = 180 s; down 22:30-23:30 UTC on 31 Oct, of which 22:30-23:00 (1800 s) is in October.
    # 1980 s: 100 x (1 - 1980 / 2,682,000) = 99.92617... -> 99.926; 33 minutes; longest 30.
    assert worst["branch-sw"]["availability_pct"] == 99.926
    assert worst["branch-sw"]["outage_minutes"] == 33.0
    assert worst["branch-sw"]["outages"] == 2
    assert worst["branch-sw"]["longest_outage_minutes"] == 30.0
    assert list(worst) == ["core-router", "branch-sw"]  # least available first; hq-server was never down
    sites = rows(report.table("sites"))
    # hq: mean of core-router (99.798657...) and hq-server (100) = 99.89932... -> 99.899.
    # files-1 (backup only) has no kind that marks it down, so hq counts 2 targets.
    assert sites["hq"] == {
        "site": "hq",
        "targets": 2,
        "availability_pct": 99.899,
        "outage_minutes": 90.0,
        "longest_outage_minutes": 60.0,
    }
    assert sites["branch"]["availability_pct"] == 99.926


async def test_store_availability_counts_only_opening_hours(store: StateStore, loaded: LoadedConfig) -> None:
    report = await _report(store, loaded)
    stores = rows(report.table("stores"))
    # store-1 is open Mon-Sat 08:00-20:00: October 2026 has 27 such days (Sundays 4, 11, 18,
    # 25), 27 x 12 h = 324 h = 1,166,400 s. Down 19:30-21:00 CEST on Friday 16 Oct, of which
    # 19:30-20:00 (1800 s) is open; the Sunday outage is while closed and does not count.
    # 100 x (1 - 1800 / 1,166,400) = 99.84567... -> 99.846.
    assert stores["store-1"] == {
        "store": "store-1",
        "site": "store-1",
        "open_hours": 324.0,
        "availability_pct": 99.846,
        "outage_minutes": 30.0,
        "outages": 1,
        "longest_outage_minutes": 30.0,
    }
    # store-2 is open around the clock: 745 h (the DST night has 25 hours). Down 00:30-02:30
    # UTC on 25 Oct: the wall clock says 02:30 CEST to 03:30 CET (1 h) but 7200 s passed.
    # 100 x (1 - 7200 / 2,682,000) = 99.73154... -> 99.732.
    assert stores["store-2"]["open_hours"] == 745.0
    assert stores["store-2"]["availability_pct"] == 99.732
    assert stores["store-2"]["outage_minutes"] == 120.0
    assert stores["store-2"]["longest_outage_minutes"] == 120.0


async def test_incident_times_and_compliance(store: StateStore, loaded: LoadedConfig) -> None:
    report = await _report(store, loaded)
    incidents = rows(report.table("incidents"))
    # Urgent, counted: U1-U4 (U5 opened in September, the merged child is part of U1).
    # Time to acknowledge: U1 600 s, U2 1200 s, U3 720 s (no ack: its fix at 12 min answered
    # it), U4 not yet. Sorted 600, 720, 1200: median 720 s = 0.2 h; p90 = rank ceil(2.7) = 3
    # -> 1200 s = 0.33 h. Repair: 720, 7200, 18000: median 2.0 h, p90 5.0 h.
    # Ack within 15 min: U1 yes, U2 no, U3 yes; U4 is 10 min old at the period's end, not
    # judged -> 2 of 3 = 66.667 %. Repair within 4 h: U1 yes, U2 no (5 h), U3 yes -> 66.667 %.
    assert incidents["urgent"] == {
        "priority": "urgent",
        "tickets": 4,
        "mtta_median_h": 0.2,
        "mtta_p90_h": 0.33,
        "mttr_median_h": 2.0,
        "mttr_p90_h": 5.0,
        "acknowledged_in_time_pct": 66.667,
        "repaired_in_time_pct": 66.667,
    }
    # Normal: N1-N4. Ack: 3600, 18000, 1800, 7200 -> sorted 1800, 3600, 7200, 18000: median
    # (3600 + 7200) / 2 = 5400 s = 1.5 h; p90 rank ceil(3.6) = 4 -> 18000 s = 5.0 h.
    # Repair: 86400, 345600, 21600 (N3 never): median 86400 s = 24.0 h, p90 rank 3 -> 96.0 h.
    # Ack within 4 h: N1, N3, N4 yes, N2 no -> 75.0 %. Repair within 3 days: N1, N4 yes, N2
    # no (4 days), N3 overdue -> 2 of 4 = 50.0 %.
    assert incidents["normal"] == {
        "priority": "normal",
        "tickets": 4,
        "mtta_median_h": 1.5,
        "mtta_p90_h": 5.0,
        "mttr_median_h": 24.0,
        "mttr_p90_h": 96.0,
        "acknowledged_in_time_pct": 75.0,
        "repaired_in_time_pct": 50.0,
    }
    section = next(s for s in report.sections if s.name == "incidents")
    assert [(f.label, f.value) for f in section.figures] == [
        ("Tickets opened", "8"),
        ("Target, urgent", "ack within 15 min, repair within 4 h"),
        ("Target, normal", "ack within 4 h, repair within 3 days"),
    ]
    recurring = report.table("recurring_faults")
    assert recurring is not None
    # fp-disk: N3 and N4 (2 tickets, N4's root cause); U2: marked recurring (1 ticket, no cause yet).
    assert recurring.rows == [
        ("hq", "files-1", "disk-full", 2, "#10", "disk full: log rotation missing"),
        ("hq", "core-router", "host-down", 1, "#2", "not yet found"),
    ]


async def test_backup_compliance(store: StateStore, loaded: LoadedConfig) -> None:
    report = await _report(store, loaded)
    backups = rows(report.table("backups"))
    # 31 days due. Verified: 1 Oct (its check ran at 00:30 CEST = 22:30 UTC on 30 Sep) and
    # every day but 5 and 17 (stale) and 25 (no check) -> 28 of 31 = 90.3225... -> 90.323 %.
    # The check at 23:30 UTC on 31 Oct is 1 November in Berlin: not counted.
    assert backups["files-1"] == {
        "target": "files-1",
        "site": "hq",
        "days_due": 31,
        "days_verified": 28,
        "compliance_pct": 90.323,
        "missed_days": "2026-10-05 2026-10-17 2026-10-25",
    }


async def test_technician_workload_from_the_work_log(store: StateStore, loaded: LoadedConfig) -> None:
    report = await _report(store, loaded)
    # anna: tickets 7 and 9, 30 + 45 = 75 min = 1.25 h; ben: ticket 1, 90 min = 1.5 h (his
    # September entry is outside the period). One repair request (N1, a printer, normal).
    assert rows(report.table("workload")) == {
        "anna": {"technician": "anna", "tickets": 2, "hours_logged": 1.25},
        "ben": {"technician": "ben", "tickets": 1, "hours_logged": 1.5},
    }
    requests = report.table("repair_requests")
    assert requests is not None and requests.rows == [("printer", "normal", 1)]


async def test_the_register_by_status_and_warranties_ending(store: StateStore, loaded: LoadedConfig) -> None:
    report = await _report(store, loaded)
    by_status = report.table("assets_by_status")
    assert by_status is not None
    assert by_status.rows == [("in-use", 2), ("spare", 2), ("in-repair", 1), ("retired", 1)]
    ending = report.table("warranties_ending")
    # Made on 10 November 2026, 60 days: up to 9 January 2027; not retired, not already ended.
    assert ending is not None and ending.title == "Warranties ending within 60 days"
    assert ending.rows == [
        ("SW-1", "switch", "hq", "switch model", "2026-12-01"),
        ("RT-1", "router", "hq", "router model", "2027-01-09"),
    ]
