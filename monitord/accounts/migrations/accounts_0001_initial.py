"""accounts: accounts, failed sign-in counters, API tokens, sessions, the accounts audit log.

Revision ID: accounts_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "accounts_0001"
down_revision = None
branch_labels = ("accounts",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.Text()),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_accounts"),
    )
    op.create_table(
        "account_failures",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.Float(), nullable=False),
        sa.Column("locked_until", sa.Float()),
        sa.PrimaryKeyConstraint("name", name="pk_account_failures"),
    )
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_used_at", sa.Float()),
        sa.Column("revoked_at", sa.Float()),
        sa.PrimaryKeyConstraint("id", name="pk_account_tokens"),
        sa.UniqueConstraint("digest", name="uq_account_tokens_digest"),
        sa.ForeignKeyConstraint(["account"], ["accounts.name"], name="fk_account_tokens_account_accounts"),
    )
    op.create_index("ix_account_tokens_account", "account_tokens", ["account"])
    op.create_table(
        "account_sessions",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("last_seen_at", sa.Float(), nullable=False),
        sa.Column("closed_at", sa.Float()),
        sa.PrimaryKeyConstraint("digest", name="pk_account_sessions"),
        sa.ForeignKeyConstraint(["account"], ["accounts.name"], name="fk_account_sessions_account_accounts"),
    )
    op.create_index("ix_account_sessions_account", "account_sessions", ["account"])
    op.create_index("ix_account_sessions_expires_at", "account_sessions", ["expires_at"])
    op.create_table(
        "account_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_account_audit"),
    )
    op.create_index("ix_account_audit_at", "account_audit", ["at"])
    op.create_index("ix_account_audit_account", "account_audit", ["account"])


def downgrade() -> None:
    for table in ("account_audit", "account_sessions", "account_tokens", "account_failures", "accounts"):
        op.drop_table(table)
