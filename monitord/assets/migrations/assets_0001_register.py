"""assets: the equipment register, its linked addresses, discovered facts and discovery outcomes.

Revision ID: assets_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "assets_0001"
down_revision = None
branch_labels = ("assets",)
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("tag", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("vendor", sa.String(128), nullable=True),
        sa.Column("model", sa.String(128), nullable=True),
        sa.Column("serial", sa.String(128), nullable=True),
        sa.Column("firmware", sa.String(128), nullable=True),
        sa.Column("site", sa.String(128), nullable=False),
        sa.Column("room", sa.String(128), nullable=True),
        sa.Column("rack", sa.String(128), nullable=True),
        sa.Column("owner", sa.String(128), nullable=True),
        sa.Column("purchase_date", sa.Date, nullable=True),
        sa.Column("warranty_end", sa.Date, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("target", sa.String(128), nullable=True),
        sa.Column("pos_terminal", sa.String(160), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assets"),
        sa.UniqueConstraint("tag", name="uq_assets_tag"),
    )
    op.create_index("ix_assets_serial", "assets", ["serial"])
    op.create_index("ix_assets_site", "assets", ["site"])
    op.create_index("ix_assets_warranty_end", "assets", ["warranty_end"])
    op.create_index("ix_assets_target", "assets", ["target"])
    op.create_table(
        "asset_addresses",
        sa.Column("asset_id", sa.Integer, nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("asset_id", "address", name="pk_asset_addresses"),
        sa.UniqueConstraint("address", name="uq_asset_addresses_address"),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name="fk_asset_addresses_asset_id_assets", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "asset_facts",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("asset_id", sa.Integer, nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("first_seen", _TS, nullable=False),
        sa.Column("last_seen", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_asset_facts"),
        sa.UniqueConstraint("asset_id", "name", name="uq_asset_facts_asset_name"),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name="fk_asset_facts_asset_id_assets", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "asset_discovery",
        sa.Column("asset_id", sa.Integer, nullable=False),
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("attempted_at", _TS, nullable=False),
        sa.Column("succeeded_at", _TS, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("asset_id", name="pk_asset_discovery"),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name="fk_asset_discovery_asset_id_assets", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    for table in ("asset_discovery", "asset_facts", "asset_addresses", "assets"):
        op.drop_table(table)
