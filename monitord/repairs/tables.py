"""The repair-request tables in the state store (SQLite or PostgreSQL).

Both are keyed by the alert engine's ticket id without a foreign key, so the
``requests`` migration branch stays independent of the ``alerts`` branch.
Times are UTC epoch seconds (floats), as in ``alerts.tables``.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Integer, String, Table, Text

from monitord.store.base import METADATA

repair_requests = Table(
    "repair_requests",
    METADATA,
    Column("ticket_id", Integer(), primary_key=True),
    Column("category", String(64), nullable=False, index=True),
    Column("asset", String(128), nullable=False, index=True),  # "" when the reporter named none
    Column("description", Text(), nullable=False),
    Column("reporter", String(128), nullable=False),
    Column("contact", String(256), nullable=False),
    Column("opened_by", String(128), nullable=False),  # the API token (or account) that opened it
    Column("resolution", Text()),
)

repair_worklog = Table(
    "repair_worklog",
    METADATA,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("ticket_id", Integer(), nullable=False, index=True),
    Column("technician", String(128), nullable=False, index=True),
    Column("at", Float(), nullable=False, index=True),
    Column("minutes", Integer(), nullable=False),
    Column("note", Text(), nullable=False),
    Column("parts", JSON(), nullable=False),
    Column("logged_by", String(128), nullable=False),
)
