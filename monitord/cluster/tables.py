"""The cluster's tables: the members with their leases, POS last-seen times, outbox claims.

Times are ``timestamptz`` written with the database's ``now()``, never a node's
clock: nodes compare leases on one clock, so clock skew between machines cannot
make a live node look dead or a dead one look alive.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Float, Integer, String, Table, Text

from monitord.store.base import METADATA

cluster_members = Table(
    "cluster_members",
    METADATA,
    Column("node", String(128), primary_key=True),
    # A fresh id per process start: a second process with the same node name is refused.
    Column("incarnation", String(32), nullable=False),
    Column("zones", JSON()),
    Column("sites", JSON()),
    Column("config_hash", String(64), nullable=False),
    Column("api_url", Text()),
    Column("pid", Integer(), nullable=False),
    Column("targets_owned", Integer(), nullable=False),
    Column("leader", Boolean(), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("heartbeat_at", DateTime(timezone=True), nullable=False),
    Column("lease_until", DateTime(timezone=True), nullable=False),
)

# POS heartbeats accepted by any node, for the leader's store evaluation (batched upserts).
pos_seen = Table(
    "cluster_pos_seen",
    METADATA,
    Column("store", String(128), primary_key=True),
    Column("terminal", String(64), primary_key=True),
    Column("last_seen", Float(), nullable=False),
    Column("node", String(128), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

outbox_claims = Table(
    "cluster_outbox_claims",
    METADATA,
    Column("outbox_id", Integer(), primary_key=True),
    Column("node", String(128), nullable=False),
    Column("claim_until", DateTime(timezone=True), nullable=False),
)
