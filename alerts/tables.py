"""The alert engine's tables in the state store (SQLite or PostgreSQL).

Times are UTC epoch seconds (floats): identical on both back ends and cheap to
compare. ``alert_state`` is what restarts resume from; ``tickets`` with their
``ticket_alerts`` and ``ticket_events`` are the department's fault records;
``outbox`` holds every message until an endpoint has accepted it.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Integer,
    String,
    Table,
    Text,
)

from monitord.store.base import METADATA

alert_state = Table(
    "alert_state",
    METADATA,
    Column("fingerprint", String(32), primary_key=True),
    Column("rule", String(64), nullable=False),
    Column("target", String(128), nullable=False),
    Column("labels", JSON(), nullable=False),
    Column("status", String(16), nullable=False),
    Column("pending_since", Float()),
    Column("fired_at", Float()),
    Column("clear_since", Float()),
    Column("resolved_at", Float()),
    Column("value", Float()),
    Column("reason", Text()),
    Column("summary", Text(), nullable=False),
    Column("evidence", JSON(), nullable=False),
    Column("flapping", Boolean(), nullable=False),
    Column("history", JSON(), nullable=False),
    Column("notified", JSON(), nullable=False),
    Column("ticket_id", Integer()),
    Column("updated_at", Float(), nullable=False),
)

tickets = Table(
    "tickets",
    METADATA,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("fingerprint", String(32), nullable=False, index=True),
    Column("title", Text(), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("target", String(128), nullable=False),
    Column("site", String(128), nullable=False, index=True),
    Column("severity", String(16), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("assignee", String(128)),
    Column("recurring", Boolean(), nullable=False),
    Column("repeat_count", Integer(), nullable=False),
    Column("earlier", JSON(), nullable=False),
    Column("root_cause", Text()),
    Column("merged_into", Integer()),
    Column("opened_at", Float(), nullable=False),
    Column("acknowledged_at", Float()),
    Column("resolved_at", Float()),
    Column("closed_at", Float()),
    Column("updated_at", Float(), nullable=False),
)

ticket_alerts = Table(
    "ticket_alerts",
    METADATA,
    Column("ticket_id", Integer(), primary_key=True),
    Column("fingerprint", String(32), primary_key=True),
    Column("rule", String(64), nullable=False),
    Column("target", String(128), nullable=False),
    Column("attached_at", Float(), nullable=False),
    Column("resolved_at", Float()),
)

ticket_events = Table(
    "ticket_events",
    METADATA,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("ticket_id", Integer(), nullable=False, index=True),
    Column("at", Float(), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("text", Text(), nullable=False),
    # Evidence seen again: counted here, with when it was last seen, instead of a new row.
    Column("count", Integer(), nullable=False, server_default="1"),
    Column("last_at", Float()),
)

silences = Table(
    "silences",
    METADATA,
    Column("id", String(32), primary_key=True),
    Column("spec", JSON(), nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("created_at", Float(), nullable=False),
)

outbox = Table(
    "outbox",
    METADATA,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("key", String(128), nullable=False, unique=True),
    Column("route", String(64), nullable=False),
    Column("url_index", Integer(), nullable=False),
    Column("title", Text(), nullable=False),
    Column("body", Text(), nullable=False),
    Column("short", Text(), nullable=False),
    Column("notify_type", String(16), nullable=False),
    Column("digest", Boolean(), nullable=False),
    Column("created_at", Float(), nullable=False),
    Column("next_attempt_at", Float(), nullable=False, index=True),
    Column("attempts", Integer(), nullable=False),
    Column("delivered_at", Float()),
    Column("gave_up_at", Float()),
    Column("last_error", Text()),
)
