"""Schema of the embedded time-series file and the day-partition naming.

Points live in one ``WITHOUT ROWID`` table per UTC day keyed by (series, time):
inserts append to a small b-tree, and retention drops whole days instead of
deleting rows (no vacuum storms, no index scans).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

DAY_NS = 86_400 * 1_000_000_000

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",
    "PRAGMA busy_timeout=10000",
)

SERIES_TABLE = """
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY,
    measurement TEXT NOT NULL,
    target TEXT NOT NULL,
    field TEXT NOT NULL,
    tags TEXT NOT NULL,
    UNIQUE (measurement, target, field, tags)
)
"""


def day_of(ts_ns: int) -> date:
    return datetime.fromtimestamp(ts_ns // 1_000_000_000, UTC).date()


def table_for(day: date) -> str:
    return f"points_{day:%Y%m%d}"


def day_from_table(name: str) -> date | None:
    if not name.startswith("points_") or len(name) != 15:
        return None
    try:
        return datetime.strptime(name[7:], "%Y%m%d").replace(tzinfo=UTC).date()
    except ValueError:
        return None


def create_day_table(conn: sqlite3.Connection, day: date) -> str:
    name = table_for(day)
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {name} ("
        "series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL, text TEXT, "
        "PRIMARY KEY (series_id, ts)) WITHOUT ROWID"
    )
    return name


def day_tables(conn: sqlite3.Connection) -> dict[date, str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'points_%'"
    ).fetchall()
    found: dict[date, str] = {}
    for (name,) in rows:
        day = day_from_table(name)
        if day is not None:
            found[day] = name
    return found


def open_connection(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    conn.execute(SERIES_TABLE)
    return conn
