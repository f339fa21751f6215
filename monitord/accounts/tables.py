"""The accounts tables in the state store (SQLite or PostgreSQL).

Times are UTC epoch seconds (floats), read from the injected clock. Nothing
secret is stored in a form that signs anyone in: passwords as argon2id hashes,
API tokens and session tokens as SHA-256 digests of 256-bit random values.
Contact URLs (apprise) are stored as given, because the outbox must use them;
they never leave the daemon through the API, the CLI's lists or a log line.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Integer, String, Table, Text

from monitord.store.base import METADATA

accounts = Table(
    "accounts",
    METADATA,
    Column("name", String(64), primary_key=True),
    Column("display_name", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("enabled", Boolean(), nullable=False),
    # NULL: no password set (the account cannot sign in with one).
    Column("password_hash", Text()),
    Column("contacts", JSON(), nullable=False),
    Column("created_at", Float(), nullable=False),
    Column("updated_at", Float(), nullable=False),
)

# Failed sign-ins per name tried, whether or not an account has it, so a lockout
# answer never tells an attacker which names exist.
account_failures = Table(
    "account_failures",
    METADATA,
    Column("name", String(64), primary_key=True),
    Column("failures", Integer(), nullable=False),
    Column("last_failure_at", Float(), nullable=False),
    Column("locked_until", Float()),
)

account_tokens = Table(
    "account_tokens",
    METADATA,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("account", String(64), ForeignKey("accounts.name"), nullable=False, index=True),
    Column("label", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("created_at", Float(), nullable=False),
    Column("last_used_at", Float()),
    Column("revoked_at", Float()),
)

account_sessions = Table(
    "account_sessions",
    METADATA,
    Column("digest", String(64), primary_key=True),
    Column("account", String(64), ForeignKey("accounts.name"), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("source", String(128), nullable=False),
    Column("created_at", Float(), nullable=False),
    Column("expires_at", Float(), nullable=False, index=True),
    Column("last_seen_at", Float(), nullable=False),
    Column("closed_at", Float()),
)

account_audit = Table(
    "account_audit",
    METADATA,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("at", Float(), nullable=False, index=True),
    Column("actor", String(128), nullable=False),
    Column("action", String(32), nullable=False),
    Column("account", String(64), nullable=False, index=True),
    Column("source", String(128), nullable=False),
    Column("detail", JSON(), nullable=False),
)
