"""The rollup's tables in the state store (SQLite or PostgreSQL).

``report_rollup``: one row per target, probe kind and UTC hour (``hour`` is the
hour's start in epoch seconds): runs, failed runs, clean runs (ok with nothing
found: for backups, a verified backup) and seconds down. ``report_outages``:
one row per outage (from a failed run to the next good run, see
``monitord.reports.rollup``), so a report can name the longest outage and
intersect outages with a store's opening hours exactly.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, Integer, String, Table

from monitord.store.base import METADATA

# The hour leads the primary key and, on SQLite, the table is WITHOUT ROWID: a period is one
# contiguous range of the table. With a rowid table and an index on the hour, a month's
# 1.4 million rows were 1.4 million random lookups (20 s instead of 2 s, benchmarks/reports.py).
report_rollup = Table(
    "report_rollup",
    METADATA,
    Column("hour", Integer(), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("target", String(128), primary_key=True),
    Column("runs", Integer(), nullable=False),
    Column("failed", Integer(), nullable=False),
    Column("clean", Integer(), nullable=False),
    Column("down_s", Float(), nullable=False),
    sqlite_with_rowid=False,
)

report_outages = Table(
    "report_outages",
    METADATA,
    Column("target", String(128), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("started", Float(), primary_key=True),
    Column("ended", Float(), nullable=False),  # down credited up to here (grows while open)
    Column("open", Boolean(), nullable=False),
    Index("ix_report_outages_ended", "ended"),
)
