"""cluster: members with their leases, POS last-seen times, outbox claims.

Revision ID: cluster_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "cluster_0001"
down_revision = None
branch_labels = ("cluster",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cluster_members",
        sa.Column("node", sa.String(128), nullable=False),
        sa.Column("incarnation", sa.String(32), nullable=False),
        sa.Column("zones", sa.JSON()),
        sa.Column("sites", sa.JSON()),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("api_url", sa.Text()),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("targets_owned", sa.Integer(), nullable=False),
        sa.Column("leader", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("node", name="pk_cluster_members"),
    )
    op.create_table(
        "cluster_pos_seen",
        sa.Column("store", sa.String(128), nullable=False),
        sa.Column("terminal", sa.String(64), nullable=False),
        sa.Column("last_seen", sa.Float(), nullable=False),
        sa.Column("node", sa.String(128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("store", "terminal", name="pk_cluster_pos_seen"),
    )
    op.create_table(
        "cluster_outbox_claims",
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("node", sa.String(128), nullable=False),
        sa.Column("claim_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("outbox_id", name="pk_cluster_outbox_claims"),
    )


def downgrade() -> None:
    op.drop_table("cluster_outbox_claims")
    op.drop_table("cluster_pos_seen")
    op.drop_table("cluster_members")
