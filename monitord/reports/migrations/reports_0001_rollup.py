"""reports: the hourly availability rollup and the outage log.

Revision ID: reports_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "reports_0001"
down_revision = None
branch_labels = ("reports",)
depends_on = None


def upgrade() -> None:
    # The hour leads the key and SQLite keeps the rows in key order (WITHOUT ROWID): a
    # report's period is one contiguous range (see monitord/reports/tables.py).
    op.create_table(
        "report_rollup",
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("clean", sa.Integer(), nullable=False),
        sa.Column("down_s", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "kind", "target", name="pk_report_rollup"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "report_outages",
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("started", sa.Float(), nullable=False),
        sa.Column("ended", sa.Float(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("target", "kind", "started", name="pk_report_outages"),
    )
    op.create_index("ix_report_outages_ended", "report_outages", ["ended"])


def downgrade() -> None:
    op.drop_table("report_outages")
    op.drop_table("report_rollup")
