"""alerts: a ticket event seen again is counted on its first row, not repeated.

Revision ID: alerts_0002
Revises: alerts_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "alerts_0002"
down_revision = "alerts_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ticket_events", sa.Column("count", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("ticket_events", sa.Column("last_at", sa.Float()))


def downgrade() -> None:
    with op.batch_alter_table("ticket_events") as batch:
        batch.drop_column("last_at")
        batch.drop_column("count")
