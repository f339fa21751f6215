"""The register's tables (SQLAlchemy Core on the shared ``METADATA``).

An asset's tag is unique and never changes (it is the key in URLs, CSV files
and the audit log). Linked IPAM addresses live in their own table with a unique
address, so one address belongs to at most one asset. Discovered facts are one
row per asset and fact name, with when the value was first and last seen (a new
value restarts ``first_seen``); ``asset_discovery`` keeps the outcome of the
last attempt per asset.
"""

from __future__ import annotations

import sqlalchemy as sa

from monitord.store.base import METADATA

KINDS = (
    "server",
    "switch",
    "router",
    "firewall",
    "access-point",
    "pos-till",
    "receipt-printer",
    "pc",
    "laptop",
    "ups",
    "printer",
    "other",
)
STATUSES = ("in-use", "spare", "in-repair", "retired")

assets = sa.Table(
    "assets",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tag", sa.String(64), nullable=False, unique=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("vendor", sa.String(128), nullable=True),
    sa.Column("model", sa.String(128), nullable=True),
    sa.Column("serial", sa.String(128), nullable=True, index=True),
    sa.Column("firmware", sa.String(128), nullable=True),
    sa.Column("site", sa.String(128), nullable=False, index=True),
    sa.Column("room", sa.String(128), nullable=True),
    sa.Column("rack", sa.String(128), nullable=True),
    sa.Column("owner", sa.String(128), nullable=True),
    sa.Column("purchase_date", sa.Date, nullable=True),
    sa.Column("warranty_end", sa.Date, nullable=True, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("notes", sa.Text, nullable=False, server_default=""),
    sa.Column("target", sa.String(128), nullable=True, index=True),
    sa.Column("pos_terminal", sa.String(160), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

asset_addresses = sa.Table(
    "asset_addresses",
    METADATA,
    sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("address", sa.String(64), primary_key=True),
    sa.UniqueConstraint("address", name="uq_asset_addresses_address"),
)

asset_facts = sa.Table(
    "asset_facts",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
    sa.Column("source", sa.String(8), nullable=False),
    sa.Column("name", sa.String(32), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("asset_id", "name", name="uq_asset_facts_asset_name"),
)

asset_discovery = sa.Table(
    "asset_discovery",
    METADATA,
    sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("target", sa.String(128), nullable=False),
    sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("error", sa.Text, nullable=True),
)
