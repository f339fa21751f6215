"""requests: repair-request fields and the work log, keyed by ticket id.

Revision ID: requests_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "requests_0001"
down_revision = None
branch_labels = ("requests",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "repair_requests",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("asset", sa.String(128), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reporter", sa.String(128), nullable=False),
        sa.Column("contact", sa.String(256), nullable=False),
        sa.Column("opened_by", sa.String(128), nullable=False),
        sa.Column("resolution", sa.Text()),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_repair_requests"),
    )
    op.create_index("ix_repair_requests_category", "repair_requests", ["category"])
    op.create_index("ix_repair_requests_asset", "repair_requests", ["asset"])
    op.create_table(
        "repair_worklog",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("technician", sa.String(128), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("logged_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_repair_worklog"),
    )
    op.create_index("ix_repair_worklog_ticket_id", "repair_worklog", ["ticket_id"])
    op.create_index("ix_repair_worklog_technician", "repair_worklog", ["technician"])
    op.create_index("ix_repair_worklog_at", "repair_worklog", ["at"])


def downgrade() -> None:
    op.drop_table("repair_worklog")
    op.drop_table("repair_requests")
