"""The accounts audit log: sign-ins, failures, lockouts, role and account changes, tokens.

Each entry names who acted (an account, a configured token's name, or ``cli``
for the command line on the server), what they did, to which account, from
where (the client address, or ``cli``), and details that are never secret: a
token's label and id, never its value; a contact count, never a URL.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from monitord.accounts.account import iso
from monitord.accounts.tables import account_audit

Action = Literal[
    "sign-in",
    "sign-in-failed",
    "sign-in-locked",
    "sign-in-disabled",
    "lockout",
    "sign-out",
    "account-added",
    "password-changed",
    "role-changed",
    "enabled",
    "disabled",
    "profile-changed",
    "token-issued",
    "token-revoked",
]
ACTIONS: tuple[Action, ...] = get_args(Action)


async def record(  # noqa: PLR0917  one entry is these six facts
    conn: AsyncConnection,
    at: float,
    actor: str,
    action: Action,
    account: str,
    source: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one entry inside the change's own transaction (both land or neither does)."""
    await conn.execute(
        account_audit.insert().values(
            at=at,
            actor=actor[:128],
            action=action,
            account=account[:64],
            source=source[:128],
            detail=detail or {},
        )
    )


async def query(
    engine: AsyncEngine,
    *,
    account: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: float | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[dict[str, Any]]:
    """Newest first; ``before_id`` pages further back."""
    statement = select(account_audit).order_by(account_audit.c.id.desc()).limit(limit)
    if account is not None:
        statement = statement.where(account_audit.c.account == account)
    if actor is not None:
        statement = statement.where(account_audit.c.actor == actor)
    if action is not None:
        statement = statement.where(account_audit.c.action == action)
    if since is not None:
        statement = statement.where(account_audit.c.at >= since)
    if before_id is not None:
        statement = statement.where(account_audit.c.id < before_id)
    async with engine.connect() as conn:
        rows = (await conn.execute(statement)).mappings().all()
    return [{**row, "at": iso(row["at"])} for row in rows]
