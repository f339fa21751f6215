"""The IPAM tables (SQLAlchemy Core on the shared ``METADATA``).

Addresses are stored in canonical text form with a global unique constraint:
that constraint, checked inside a write transaction, is what makes a duplicate
allocation impossible whatever the number of processes. ``ipam_subnets.generation``
grows with every change to a subnet's addresses so each process knows when its
in-memory free index is out of date.
"""

from __future__ import annotations

import sqlalchemy as sa

from monitord.store.base import METADATA

STATUSES = ("allocated", "reserved", "dhcp", "offline")
RANGE_KINDS = ("pool", "dhcp", "reserved")
FINDING_KINDS = ("conflict", "stale", "mac_change")

subnets = sa.Table(
    "ipam_subnets",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("cidr", sa.String(64), nullable=False, unique=True),
    sa.Column("family", sa.SmallInteger, nullable=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("ipam_subnets.id"), nullable=True),
    sa.Column("site", sa.String(128), nullable=True),
    sa.Column("vlan", sa.Integer, nullable=True),
    sa.Column("name", sa.String(128), nullable=True),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("generation", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

ranges = sa.Table(
    "ipam_ranges",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("subnet_id", sa.Integer, sa.ForeignKey("ipam_subnets.id"), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("first", sa.String(64), nullable=False),
    sa.Column("last", sa.String(64), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.UniqueConstraint("subnet_id", "name", name="uq_ipam_ranges_subnet_name"),
)

addresses = sa.Table(
    "ipam_addresses",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("subnet_id", sa.Integer, sa.ForeignKey("ipam_subnets.id"), nullable=False, index=True),
    sa.Column("address", sa.String(64), nullable=False, unique=True),
    sa.Column("sort_key", sa.String(33), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("hostname", sa.String(253), nullable=True, index=True),
    sa.Column("mac", sa.String(17), nullable=True, index=True),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("owner", sa.String(128), nullable=True),
    sa.Column("target", sa.String(128), nullable=True),
    sa.Column("range_name", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("seen_mac", sa.String(17), nullable=True),
    sa.Index("ix_ipam_addresses_subnet_sort", "subnet_id", "sort_key"),
)

idempotency = sa.Table(
    "ipam_idempotency",
    METADATA,
    sa.Column("actor", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("subnet_id", sa.Integer, nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

audit = sa.Table(
    "ipam_audit",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("object_type", sa.String(16), nullable=False),
    sa.Column("object_key", sa.String(64), nullable=False, index=True),
    sa.Column("before", sa.JSON, nullable=True),
    sa.Column("after", sa.JSON, nullable=True),
)

findings = sa.Table(
    "ipam_findings",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("subnet_id", sa.Integer, sa.ForeignKey("ipam_subnets.id"), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
    sa.UniqueConstraint("address", "kind", name="uq_ipam_findings_address_kind"),
)
