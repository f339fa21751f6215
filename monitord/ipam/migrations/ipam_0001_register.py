"""ipam: subnets, ranges, addresses, idempotency keys, audit log, reconciliation findings.

Revision ID: ipam_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ipam_0001"
down_revision = None
branch_labels = ("ipam",)
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ipam_subnets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("cidr", sa.String(64), nullable=False),
        sa.Column("family", sa.SmallInteger, nullable=False),
        sa.Column("parent_id", sa.Integer, nullable=True),
        sa.Column("site", sa.String(128), nullable=True),
        sa.Column("vlan", sa.Integer, nullable=True),
        sa.Column("name", sa.String(128), nullable=True),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("generation", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ipam_subnets"),
        sa.UniqueConstraint("cidr", name="uq_ipam_subnets_cidr"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["ipam_subnets.id"], name="fk_ipam_subnets_parent_id_ipam_subnets"
        ),
    )
    op.create_table(
        "ipam_ranges",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subnet_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("first", sa.String(64), nullable=False),
        sa.Column("last", sa.String(64), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_ipam_ranges"),
        sa.UniqueConstraint("subnet_id", "name", name="uq_ipam_ranges_subnet_name"),
        sa.ForeignKeyConstraint(
            ["subnet_id"], ["ipam_subnets.id"], name="fk_ipam_ranges_subnet_id_ipam_subnets"
        ),
    )
    op.create_table(
        "ipam_addresses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subnet_id", sa.Integer, nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("sort_key", sa.String(33), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("hostname", sa.String(253), nullable=True),
        sa.Column("mac", sa.String(17), nullable=True),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("owner", sa.String(128), nullable=True),
        sa.Column("target", sa.String(128), nullable=True),
        sa.Column("range_name", sa.String(64), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("last_seen_at", _TS, nullable=True),
        sa.Column("seen_mac", sa.String(17), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ipam_addresses"),
        sa.UniqueConstraint("address", name="uq_ipam_addresses_address"),
        sa.ForeignKeyConstraint(
            ["subnet_id"], ["ipam_subnets.id"], name="fk_ipam_addresses_subnet_id_ipam_subnets"
        ),
    )
    op.create_index("ix_ipam_addresses_subnet_id", "ipam_addresses", ["subnet_id"])
    op.create_index("ix_ipam_addresses_subnet_sort", "ipam_addresses", ["subnet_id", "sort_key"])
    op.create_index("ix_ipam_addresses_hostname", "ipam_addresses", ["hostname"])
    op.create_index("ix_ipam_addresses_mac", "ipam_addresses", ["mac"])
    op.create_table(
        "ipam_idempotency",
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("subnet_id", sa.Integer, nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("actor", "key", name="pk_ipam_idempotency"),
    )
    op.create_table(
        "ipam_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("object_type", sa.String(16), nullable=False),
        sa.Column("object_key", sa.String(64), nullable=False),
        sa.Column("before", sa.JSON, nullable=True),
        sa.Column("after", sa.JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ipam_audit"),
    )
    op.create_index("ix_ipam_audit_at", "ipam_audit", ["at"])
    op.create_index("ix_ipam_audit_object_key", "ipam_audit", ["object_key"])
    op.create_table(
        "ipam_findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subnet_id", sa.Integer, nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("first_seen", _TS, nullable=False),
        sa.Column("last_seen", _TS, nullable=False),
        sa.Column("resolved_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ipam_findings"),
        sa.UniqueConstraint("address", "kind", name="uq_ipam_findings_address_kind"),
        sa.ForeignKeyConstraint(
            ["subnet_id"], ["ipam_subnets.id"], name="fk_ipam_findings_subnet_id_ipam_subnets"
        ),
    )


def downgrade() -> None:
    for table in (
        "ipam_findings",
        "ipam_audit",
        "ipam_idempotency",
        "ipam_addresses",
        "ipam_ranges",
        "ipam_subnets",
    ):
        op.drop_table(table)
